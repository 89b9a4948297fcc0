/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). Used to tell a live lock holder from a crashed one. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
