package org.otfuse.core.fusion;

import java.util.Random;
import org.otfuse.core.graph.Network;

/** The invariance test's model builders, for tests in other packages. */
public final class GraphPermutationInvarianceAccess {
  private GraphPermutationInvarianceAccess() {}

  /** Random BatchNorm statistics and affine parameters. */
  public static Network randomized(Network net, long seed) {
    return GraphPermutationInvarianceTest.randomized(net, seed);
  }

  /** The same function with the neurons of every hidden group randomly permuted. */
  public static Network permuted(Network net, Random rng) {
    return GraphPermutationInvarianceTest.permuted(net, rng);
  }
}
