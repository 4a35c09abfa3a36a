package org.otfuse.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Applies a function to row batches of an array and stacks the results. */
final class Nd4jRows {
  private Nd4jRows() {}

  static INDArray mapBatches(INDArray x, int batch, UnaryOperator<INDArray> f) {
    long n = x.size(0);
    List<INDArray> parts = new ArrayList<>();
    for (long start = 0; start < n; start += batch) {
      INDArrayIndex[] idx = new INDArrayIndex[x.rank()];
      idx[0] = NDArrayIndex.interval(start, Math.min(n, start + batch));
      for (int d = 1; d < idx.length; d++) {
        idx[d] = NDArrayIndex.all();
      }
      parts.add(f.apply(x.get(idx)));
    }
    return parts.size() == 1 ? parts.get(0) : Nd4j.vstack(parts.toArray(new INDArray[0]));
  }
}
