import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerInit } from './init.js';
import { registerGenerate } from './generate.js';
import { registerDemo } from './demo.js';
import { registerLake } from './lake.js';
import { registerQuarantine } from './quarantine.js';
import { registerServe } from './serve.js';
import { registerIngest } from './ingest.js';
import { registerLakeWriter } from './lake-writer.js';
import { registerContract } from './contract.js';
import { registerSchema } from './schema.js';
import { registerFeatures } from './features.js';
import { registerKeys } from './keys.js';
import { registerAudit } from './audit.js';
import { registerSnapshot } from './snapshot.js';
import { registerLineage } from './lineage.js';

/** Registers a command (or group of commands) on the program. */
export type RegisterCommand = (program: Command, context: () => CliContext) => void;

/** Every command group of the CLI, in help order. */
export const COMMANDS: RegisterCommand[] = [
  registerInit,
  registerGenerate,
  registerDemo,
  registerIngest,
  registerServe,
  registerLakeWriter,
  registerLake,
  registerQuarantine,
  registerContract,
  registerSchema,
  registerFeatures,
  registerKeys,
  registerAudit,
  registerSnapshot,
  registerLineage,
];
