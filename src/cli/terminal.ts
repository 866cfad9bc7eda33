/** Console output of a command; injectable for tests (a CLI helper shared by commands). */
export interface Terminal {
  out(s: string): void;
  err(s: string): void;
  /** Whether err is an interactive terminal (progress lines with \r). */
  readonly errIsTty: boolean;
}

export const processTerminal: Terminal = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  get errIsTty() {
    return process.stderr.isTTY === true;
  },
};
