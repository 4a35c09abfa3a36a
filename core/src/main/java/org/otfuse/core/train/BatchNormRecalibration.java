package org.otfuse.core.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.otfuse.core.data.ImageDataset;
import org.otfuse.core.graph.Network;
import org.otfuse.core.graph.Op;
import org.otfuse.core.io.StateDict;

/**
 * Recomputes the BatchNorm running statistics of a network (typically a fused one, whose averaged
 * running statistics no longer describe its activations) from training data: every minibatch is
 * run in training mode, the batch means and unbiased variances of each BatchNorm layer are
 * averaged over the minibatches, and they replace the running statistics. This is PyTorch's
 * {@code momentum=None} (cumulative average) recipe, as in {@code torch.optim.swa_utils.update_bn}.
 * Nothing else changes.
 */
public final class BatchNormRecalibration {
  private BatchNormRecalibration() {}

  /**
   * @param batchSize minibatch size (>= 2)
   * @param maxImages use at most this many images, in dataset order (0 = all)
   * @return a new network; {@code net} is not modified
   */
  public static Network recompute(Network net, ImageDataset data, int batchSize, int maxImages) {
    if (batchSize < 2) {
      throw new IllegalArgumentException("BatchNorm recalibration needs batches of >= 2 images, got " + batchSize);
    }
    List<String> modules = new ArrayList<>();
    net.graph().nodes().forEach(n -> {
      if (n.op() instanceof Op.BatchNorm b) {
        modules.add(b.module());
      }
    });
    if (modules.isEmpty()) {
      return net;
    }
    Map<String, INDArray> params = Trainer.copy(net.params().asMap());
    Map<String, INDArray> meanSum = new LinkedHashMap<>();
    Map<String, INDArray> varSum = new LinkedHashMap<>();
    int n = maxImages > 0 ? Math.min(maxImages, data.size()) : data.size();
    int batches = 0;
    for (int s = 0; s + 1 < n; s += batchSize) {
      int e = Math.min(n, s + batchSize);
      if (e - s < 2) {
        break;
      }
      try (var ws = Workspaces.open("otfuse-bn-recalibration")) {
      INDArray x = data.features().get(NDArrayIndex.interval(s, e), NDArrayIndex.all());
      Backprop.Tape t = Backprop.forward(net.graph(), params, x, Backprop.Mode.TRAIN_FROZEN_STATS);
      for (String m : modules) {
        INDArray[] st = t.batchStats(m);
        long count = channelCount(net, m, e - s); // N * H * W values per channel
        INDArray unbiased = st[1].mul((double) count / (count - 1));
        try (var out = Workspaces.outside()) {
          meanSum.merge(m, st[0].detach(), INDArray::addi);
          varSum.merge(m, unbiased.detach(), INDArray::addi);
        }
      }
      }
      batches++;
    }
    for (String m : modules) {
      params.put(m + ".running_mean", meanSum.get(m).divi(batches).castTo(params.get(m + ".running_mean").dataType()));
      params.put(m + ".running_var", varSum.get(m).divi(batches).castTo(params.get(m + ".running_var").dataType()));
    }
    return net.withParams(StateDict.of(net.params().source(), params));
  }

  private static long channelCount(Network net, String module, int batch) {
    for (var node : net.graph().nodes()) {
      if (node.op() instanceof Op.BatchNorm b && b.module().equals(module)) {
        long[] s = net.graph().shape(node.id());
        long spatial = 1;
        for (int i = 1; i < s.length; i++) {
          spatial *= s[i];
        }
        return batch * spatial;
      }
    }
    throw new IllegalStateException("no BatchNorm module " + module);
  }
}
