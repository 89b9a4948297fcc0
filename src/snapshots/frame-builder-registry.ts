import type { LoadedConfig } from '../config/config.js';
import { createProjectFrameBuilder } from './project-frame-builder.js';
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

/** The project's builder: the registered one, else the feature store's point-in-time retrieval over the project's lake. */
export async function projectTrainingFrameBuilder(loaded: LoadedConfig): Promise<TrainingFrameBuilder> {
  if (!factory) return createProjectFrameBuilder(loaded);
  return factory(loaded);
}
