package org.otfuse.core.zoo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.otfuse.core.data.DatasetName;

/**
 * A zoo to train, as the cross product datasets x widths x seeds x splits with shared training
 * settings (HOCON block {@code otfuse.zoo.models}; every key is documented in reference.conf).
 * {@link #expand()} gives the models in a deterministic order.
 */
public record ZooSpec(
    List<DatasetName> datasets, List<List<Integer>> widths, boolean bias, List<Long> seeds, List<ZooSplit> splits,
    int epochs, int batchSize, double learningRate, double momentum, int trainLimit) implements Serializable {
  private static final long serialVersionUID = 1L;

  public ZooSpec {
    datasets = List.copyOf(datasets);
    widths = widths.stream().map(List::copyOf).toList();
    seeds = List.copyOf(seeds);
    splits = List.copyOf(splits);
    if (datasets.isEmpty() || widths.isEmpty() || seeds.isEmpty() || splits.isEmpty()) {
      throw new IllegalArgumentException("a zoo needs at least one dataset, width, seed and split; got datasets="
          + datasets + ", widths=" + widths + ", seeds=" + seeds + ", splits=" + splits);
    }
  }

  /**
   * Reads the {@code models} block ({@code datasets, arch, widths, bias, seeds, splits, epochs,
   * batch-size, learning-rate, momentum, train-limit}).
   *
   * @param c the block, already validated against reference.conf
   * @param where its path, for messages (e.g. {@code otfuse.zoo.models})
   */
  public static ZooSpec fromConfig(Config c, String where) {
    String arch = c.getString("arch");
    if (!arch.equals("mlp")) {
      throw new IllegalArgumentException(where + ".arch is '" + arch + "' (" + c.getValue("arch").origin().description()
          + ") but the zoo trains only 'mlp' so far");
    }
    List<DatasetName> ds = new ArrayList<>();
    for (String s : c.getStringList("datasets")) {
      ds.add(DatasetName.parse(s));
    }
    List<List<Integer>> widths = new ArrayList<>();
    try {
      for (Object o : c.getList("widths").unwrapped()) {
        List<Integer> w = new ArrayList<>();
        if (!(o instanceof List<?> l)) {
          throw new IllegalArgumentException(where + ".widths must be a list of lists of widths, e.g. [[64, 32]],"
              + " but has element " + o + " (" + c.getValue("widths").origin().description() + ")");
        }
        for (Object x : l) {
          w.add(((Number) x).intValue());
        }
        widths.add(w);
      }
    } catch (ClassCastException e) {
      throw new IllegalArgumentException(where + ".widths must hold numbers: " + c.getValue("widths").render()
          + " (" + c.getValue("widths").origin().description() + ")");
    }
    List<ZooSplit> splits = new ArrayList<>();
    for (String s : c.getStringList("splits")) {
      splits.add(ZooSplit.parse(s));
    }
    try {
      return new ZooSpec(ds, widths, c.getBoolean("bias"), c.getLongList("seeds"), splits, c.getInt("epochs"),
          c.getInt("batch-size"), c.getDouble("learning-rate"), c.getDouble("momentum"), c.getInt("train-limit"));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
  }

  /** One spec per model, datasets outermost, then widths, splits, seeds; duplicates removed. */
  public List<ZooModelSpec> expand() {
    LinkedHashSet<ZooModelSpec> out = new LinkedHashSet<>();
    for (DatasetName d : datasets) {
      for (List<Integer> w : widths) {
        for (ZooSplit s : splits) {
          for (long seed : seeds) {
            out.add(new ZooModelSpec(d, w, bias, seed, s, epochs, batchSize, learningRate, momentum, trainLimit));
          }
        }
      }
    }
    return List.copyOf(out);
  }
}
