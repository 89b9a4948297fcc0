import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** `verity generate`: the seeded CRM data generator (filled in by the generator module). */
export function registerGenerate(_program: Command, _context: () => CliContext): void {}
