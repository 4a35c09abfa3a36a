package org.otfuse.core.train;

/**
 * Learning-rate schedule: the factor the base rate is multiplied by at a given point of training.
 *
 * <ul>
 *   <li>{@link ScheduleKind#CONSTANT}: 1.
 *   <li>{@link ScheduleKind#STEP}: {@code gamma^floor(epoch / stepEpochs)} (PyTorch {@code StepLR},
 *       stepped per epoch; epoch is 0-based).
 *   <li>{@link ScheduleKind#COSINE}: {@code (1 + cos(pi t / T)) / 2} with {@code t} the minibatch
 *       index over the whole run and {@code T} the total number of minibatches
 *       ({@code CosineAnnealingLR(T_max=T, eta_min=0)} stepped per minibatch).
 * </ul>
 *
 * @param stepEpochs epochs between decays (STEP only)
 * @param gamma decay factor (STEP only)
 */
public record LrSchedule(ScheduleKind kind, int stepEpochs, double gamma) {

  public LrSchedule {
    if (kind == null) {
      throw new IllegalArgumentException("schedule kind is null; expected constant, step or cosine");
    }
    if (kind == ScheduleKind.STEP && (stepEpochs < 1 || !(gamma > 0 && gamma <= 1))) {
      throw new IllegalArgumentException("step schedule every " + stepEpochs + " epochs by " + gamma
          + " is invalid; expected stepEpochs >= 1 and 0 < gamma <= 1");
    }
  }

  public static LrSchedule constant() {
    return new LrSchedule(ScheduleKind.CONSTANT, 1, 1);
  }

  public static LrSchedule step(int everyEpochs, double gamma) {
    return new LrSchedule(ScheduleKind.STEP, everyEpochs, gamma);
  }

  public static LrSchedule cosine() {
    return new LrSchedule(ScheduleKind.COSINE, 1, 1);
  }

  /**
   * Parses {@code constant}, {@code cosine} or {@code step:EVERY:GAMMA} (e.g. {@code step:30:0.1}).
   */
  public static LrSchedule parse(String s) {
    String t = s.trim().toLowerCase(java.util.Locale.ROOT);
    if (t.equals("constant")) {
      return constant();
    }
    if (t.equals("cosine")) {
      return cosine();
    }
    String[] p = t.split(":");
    if (p[0].equals("step") && p.length == 3) {
      try {
        return step(Integer.parseInt(p[1]), Double.parseDouble(p[2]));
      } catch (NumberFormatException e) {
        // fall through to the message below
      }
    }
    throw new IllegalArgumentException("schedule '" + s + "' is not constant, cosine or step:EVERY:GAMMA"
        + " (e.g. step:30:0.1)");
  }

  /**
   * The factor at minibatch {@code step} (0-based over the whole run) of epoch {@code epoch}
   * (0-based), for a run of {@code totalSteps} minibatches.
   */
  public double factor(int epoch, long step, long totalSteps) {
    return switch (kind) {
      case CONSTANT -> 1.0;
      case STEP -> Math.pow(gamma, epoch / stepEpochs);
      case COSINE -> 0.5 * (1 + Math.cos(Math.PI * Math.min(step, totalSteps) / Math.max(1, totalSteps)));
    };
  }

  @Override
  public String toString() {
    return switch (kind) {
      case CONSTANT -> "constant";
      case STEP -> "step:" + stepEpochs + ":" + gamma;
      case COSINE -> "cosine";
    };
  }
}
