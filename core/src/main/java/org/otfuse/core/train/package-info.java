/**
 * Training and fine-tuning of the networks otfuse fuses (Singh and Jaggi 2020 train their model
 * zoos, fine-tune fused models, and study skill transfer between models trained on different
 * data).
 *
 * <ul>
 *   <li>{@link org.otfuse.core.train.Trainer}: any {@link org.otfuse.core.graph.Network} (MLP, VGG,
 *       ResNet; BatchNorm in training mode), softmax cross-entropy, SGD with momentum/Nesterov or
 *       Adam ({@link org.otfuse.core.train.Optimizer}), weight decay, step or cosine schedules,
 *       seeded shuffling, crop-and-flip augmentation, per-epoch evaluation and checkpoints with
 *       resume ({@link org.otfuse.core.train.RunDirectory}).
 *   <li>{@link org.otfuse.core.train.Backprop}: forward in training mode and the backward pass,
 *       per op on ND4J (gradient-checked in float64).
 *   <li>{@link org.otfuse.core.train.TrainMeta}: the meta.json that makes a model directory
 *       self-describing; {@link org.otfuse.core.train.Evaluator}: accuracy, per-class accuracy,
 *       (weighted) prediction ensembles; {@link org.otfuse.core.train.BatchNormRecalibration};
 *       {@link org.otfuse.core.train.SkillTransfer}.
 *   <li>{@link org.otfuse.core.train.MlpTrainer}: the original MLP-only trainer on
 *       {@link org.otfuse.core.model.MlpNet}, kept for its callers.
 * </ul>
 */
package org.otfuse.core.train;
