/** Captured CLI output streams for in-process `runCli(argv, io)` tests. */
export function capture() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream,
      stderr: { write: (s: string) => ((err += s), true) } as unknown as NodeJS.WriteStream,
    },
    out: () => out,
    err: () => err,
  };
}
