package org.otfuse.core.sweep;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One unit of work of a sweep (one Spark task): a fusion of a group of zoo models, or the
 * compression of one model. Immutable and serializable; built by {@link SweepPlanner}.
 *
 * @param sweepId the sweep
 * @param pointId stable id: the first 16 hex digits of the sha256 of {@link #canonical()}
 * @param index position in the expanded sweep (deterministic; used by fault injection and logs)
 * @param kind fusion or compression
 * @param dataset dataset name of the models
 * @param modelIds the zoo models (K for fusion, 1 for compression), in group order
 * @param targetIndex index in {@code modelIds} of the fusion target (0 for compression)
 * @param fusion OT settings (for compression: those of OT compression)
 * @param finetuneEpochs fine-tuning epochs after fusion or compression (0 = none)
 * @param finetune fine-tuning SGD settings
 * @param widthFactor compression width factor; {@code NaN} for fusion
 * @param compressionMethods compression methods (empty for fusion)
 */
public record SweepPoint(
    String sweepId, String pointId, int index, PointKind kind, String dataset, List<String> modelIds,
    int targetIndex, FusionSettings fusion, int finetuneEpochs, SweepConfig.Finetune finetune, double widthFactor,
    List<SweepConfig.CompressionMethod> compressionMethods) implements Serializable {
  private static final long serialVersionUID = 1L;

  public SweepPoint {
    modelIds = List.copyOf(modelIds);
    compressionMethods = List.copyOf(compressionMethods);
  }

  /** Group size K (1 for compression). */
  public int groupSize() {
    return modelIds.size();
  }

  /** Every setting that changes the rows, as text; the point id hashes it (the sweep id is not part of it). */
  public String canonical() {
    StringBuilder sb = new StringBuilder("kind=").append(kind).append(";dataset=").append(dataset)
        .append(";models=").append(String.join(",", modelIds)).append(";target=").append(targetIndex)
        .append(";").append(fusion.canonical()).append(";finetune=").append(finetuneEpochs);
    if (finetuneEpochs > 0) {
      sb.append(";ft=").append(finetune.batchSize()).append(',').append(finetune.learningRate()).append(',')
          .append(finetune.momentum()).append(',').append(finetune.trainLimit());
    }
    if (kind == PointKind.COMPRESSION) {
      sb.append(";factor=").append(widthFactor).append(";methods=").append(compressionMethods);
    }
    return sb.toString();
  }

  /** The point id of a canonical text. */
  public static String idOf(String canonical) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code floorMod(hash, buckets)}: the point's partition ({@code point_bucket}). */
  public int bucket(int buckets) {
    return (int) Long.remainderUnsigned(Long.parseUnsignedLong(pointId, 16), buckets);
  }

  /** A short human description for logs: {@code K=2 weights/exact [a, b] -> b}. */
  public String describe() {
    if (kind == PointKind.COMPRESSION) {
      return "compress " + modelIds.get(0) + " to " + widthFactor;
    }
    String s = "K=" + groupSize() + " " + SweepConfig.lower(fusion.mode()) + "/" + SweepConfig.lower(fusion.solver());
    if (fusion.solver() == org.otfuse.core.fusion.SolverKind.SINKHORN) {
      s += "(reg " + fusion.reg() + ")";
    }
    return s + (finetuneEpochs > 0 ? " +ft" + finetuneEpochs : "") + " " + modelIds + " -> "
        + modelIds.get(targetIndex);
  }
}
