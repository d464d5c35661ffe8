// Kinds of organization Mamori knows. The first seven come from the official code list;
// the rest are bodies an administrator registers.
export const orgKinds = [
  'state',
  'prefecture',
  'designated_city',
  'city',
  'town',
  'village',
  'special_ward',
  'ward', // 行政区 of a designated city: a sub-unit of its city, not a local government
  'association', // 一部事務組合・広域連合
  'soc_operator', // a prefecture's security-cloud operator
  'other',
] as const;

export type OrgKind = (typeof orgKinds)[number];

/** Kinds that count as local governments (地方公共団体): the survey universe of 1,788. */
export const LOCAL_GOVERNMENT_KINDS: readonly OrgKind[] = [
  'prefecture',
  'designated_city',
  'city',
  'town',
  'village',
  'special_ward',
];

/** Kinds an administrator may create by hand. */
export const REGISTERABLE_KINDS: readonly OrgKind[] = ['association', 'soc_operator', 'other'];

export const municipalityKinds: readonly OrgKind[] = [
  'designated_city',
  'city',
  'town',
  'village',
  'special_ward',
];

export function isOrgKind(value: unknown): value is OrgKind {
  return typeof value === 'string' && (orgKinds as readonly string[]).includes(value);
}

export const orgKindLabels: Record<OrgKind, { ja: string; en: string }> = {
  state: { ja: '国', en: 'State' },
  prefecture: { ja: '都道府県', en: 'Prefecture' },
  designated_city: { ja: '政令指定都市', en: 'Designated city' },
  city: { ja: '市', en: 'City' },
  town: { ja: '町', en: 'Town' },
  village: { ja: '村', en: 'Village' },
  special_ward: { ja: '特別区', en: 'Special ward' },
  ward: { ja: '行政区', en: 'Administrative ward' },
  association: { ja: '一部事務組合・広域連合', en: 'Association of local governments' },
  soc_operator: { ja: 'セキュリティクラウド運用事業者', en: 'Security-cloud operator' },
  other: { ja: 'その他', en: 'Other' },
};
