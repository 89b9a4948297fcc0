import type { LoadedConfig } from '../config/config.js';
import { VerityError } from '../errors.js';
import type { TrainingFrameBuilder } from './training-frame-builder.js';

/** Makes the project's training frame builder (the feature store's point-in-time retrieval). */
export type TrainingFrameBuilderFactory = (loaded: LoadedConfig) => TrainingFrameBuilder | Promise<TrainingFrameBuilder>;

let factory: TrainingFrameBuilderFactory | undefined;

/**
 * Registers how `verity snapshot create` (and {@link createProjectSnapshot}) get a training frame
 * builder. The features module registers one wrapping `getTrainingFrame`; tests register their own.
 * Returns the previous factory (to restore it).
 * @example registerTrainingFrameBuilder((loaded) => ({ build: (frame, views, o) => adaptFrame(getTrainingFrame(frame, views, o)) }));
 */
export function registerTrainingFrameBuilder(next: TrainingFrameBuilderFactory | undefined): TrainingFrameBuilderFactory | undefined {
  const previous = factory;
  factory = next;
  return previous;
}

/** The registered builder for a project. @throws VerityError UNAVAILABLE when none is registered. */
export async function projectTrainingFrameBuilder(loaded: LoadedConfig): Promise<TrainingFrameBuilder> {
  if (!factory) throw new VerityError('UNAVAILABLE', 'No training frame builder is registered: the feature store (point-in-time retrieval) is not wired into this build. See docs/provenance.md, "Wiring".');
  return factory(loaded);
}
