/** The state: 総務省 heads the hierarchy. It has no 全国地方公共団体コード. */
export const STATE = {
  name: '総務省',
  nameEn: 'Ministry of Internal Affairs and Communications',
  nameKana: 'ソウムショウ',
} as const;
