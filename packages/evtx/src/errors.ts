/** A structural problem in an EVTX file; `offset` is relative to the chunk (or file, for the file header). */
export class EvtxFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'EvtxFormatError';
  }
}
