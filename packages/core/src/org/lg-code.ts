// 全国地方公共団体コード: five digits plus a check digit (総務省 rule:
// weights 6,5,4,3,2 over the first five digits; check = (11 − sum mod 11) mod 10).

const weights = [6, 5, 4, 3, 2] as const;

/** Check digit for the first five digits of a code. */
export function lgCheckDigit(firstFive: string): number {
  if (!/^\d{5}$/.test(firstFive)) throw new RangeError(`expected five digits, got "${firstFive}"`);
  let sum = 0;
  for (let i = 0; i < 5; i++) sum += Number(firstFive[i]) * weights[i]!;
  return (11 - (sum % 11)) % 10;
}

/** True for a six-digit code whose last digit is the correct check digit. */
export function isValidLgCode(code: string): boolean {
  return /^\d{6}$/.test(code) && lgCheckDigit(code.slice(0, 5)) === Number(code[5]);
}

/** The two-digit prefecture part (JIS X 0401) of a code. */
export function prefectureCodeOf(code: string): string {
  return code.slice(0, 2);
}

/** The six-digit code of a prefecture from its two-digit number. */
export function prefectureLgCode(prefectureCode: string): string {
  const five = `${prefectureCode}000`;
  return `${five}${lgCheckDigit(five)}`;
}
