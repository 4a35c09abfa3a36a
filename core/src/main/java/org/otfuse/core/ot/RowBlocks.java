package org.otfuse.core.ot;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Runs a loop over the rows of a dense matrix in a few contiguous blocks on the common
 * fork-join pool, or inline when the matrix is small (below {@link #PARALLEL_MIN_ENTRIES}) or
 * the pool has one thread. Used by the dense kernels of {@link Sinkhorn}; every block writes
 * only its own rows (or its own partial result), so no locking is needed.
 */
final class RowBlocks {

  /** Matrices with fewer entries run on the calling thread: forking costs more than it saves. */
  static final long PARALLEL_MIN_ENTRIES = 1L << 18;

  private RowBlocks() {}

  /** A loop body over rows {@code [from, to)} of block {@code block}. */
  interface Body {
    void rows(int block, int from, int to);
  }

  /** The number of blocks {@link #run} uses for a {@code rows x cols} matrix. */
  static int blocks(int rows, int cols) {
    if ((long) rows * cols < PARALLEL_MIN_ENTRIES || rows < 2) {
      return 1;
    }
    // the caller and the pool's threads, four blocks each: a thread that the machine's load
    // deschedules leaves its unstarted blocks to the others
    int threads = Math.max(1, ForkJoinPool.getCommonPoolParallelism()) + 1;
    return Math.min(rows, Math.min(4 * threads, 32));
  }

  /** Runs {@code body} over {@code blocks} contiguous row ranges of {@code [0, rows)}. */
  static void run(int rows, int blocks, Body body) {
    if (blocks <= 1) {
      body.rows(0, 0, rows);
      return;
    }
    RecursiveAction[] tasks = new RecursiveAction[blocks];
    for (int k = 0; k < blocks; k++) {
      int block = k;
      int from = (int) ((long) rows * k / blocks);
      int to = (int) ((long) rows * (k + 1) / blocks);
      tasks[k] = new RecursiveAction() {
        private static final long serialVersionUID = 1L;

        @Override
        protected void compute() {
          body.rows(block, from, to);
        }
      };
    }
    RecursiveAction.invokeAll(tasks);
  }
}
