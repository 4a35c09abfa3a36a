package org.otfuse.core.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.io.Safetensors;
import org.otfuse.core.io.StateDict;

/**
 * A training run's output directory (any Hadoop path):
 *
 * <ul>
 *   <li>{@code checkpoint.safetensors}: parameters ({@code param/NAME}), optimiser state
 *       ({@code optim/first/NAME}, {@code optim/second/NAME}), and in the header metadata the
 *       run's fingerprint, epochs done, optimiser steps and per-epoch history; rewritten
 *       atomically after every epoch.
 *   <li>{@code model.safetensors} and {@code meta.json}: the finished model, written last (meta.json
 *       after the parameters, so a directory with meta.json is complete).
 * </ul>
 *
 * The fingerprint is the run's settings in words (architecture, data, split, options); a
 * directory holding another run's checkpoint is refused rather than overwritten.
 */
public final class RunDirectory implements Checkpointer {
  private static final JsonMapper JSON = new JsonMapper();
  /** Name of the per-epoch checkpoint. */
  public static final String CHECKPOINT = "checkpoint.safetensors";

  private final String dir;
  private final String fingerprint;

  /**
   * @param fingerprint the settings of this run; a checkpoint with another fingerprint is refused
   */
  public RunDirectory(String dir, String fingerprint) {
    this.dir = dir;
    this.fingerprint = fingerprint;
  }

  public String dir() {
    return dir;
  }

  public String checkpointPath() {
    return new Path(dir, CHECKPOINT).toString();
  }

  public String modelPath() {
    return new Path(dir, TrainMeta.MODEL).toString();
  }

  public String metaPath() {
    return new Path(dir, TrainMeta.FILE).toString();
  }

  /** Whether the finished model and its meta.json are there. */
  public boolean finished() throws IOException {
    return HadoopPaths.exists(metaPath()) && HadoopPaths.exists(modelPath());
  }

  @Override
  public Optional<TrainState> latest() throws IOException {
    String path = checkpointPath();
    if (!HadoopPaths.exists(path)) {
      return Optional.empty();
    }
    Map<String, String> meta = Safetensors.readMetadata(path);
    String found = meta.get("fingerprint");
    if (!fingerprint.equals(found)) {
      throw new IllegalStateException(dir + " holds a checkpoint of another run.\n  its settings:  " + found
          + "\n  this run's:    " + fingerprint + "\nuse another --out directory, or delete " + path
          + " to start over");
    }
    StateDict sd = Safetensors.read(path);
    Map<String, INDArray> params = new LinkedHashMap<>();
    Map<String, INDArray> optim = new LinkedHashMap<>();
    for (String name : sd.names()) {
      if (name.startsWith("param/")) {
        params.put(name.substring(6), sd.get(name));
      } else if (name.startsWith("optim/")) {
        optim.put(name.substring(6), sd.get(name));
      } else {
        throw new IOException(path + ": unexpected tensor " + name + " (expected param/NAME or optim/NAME)");
      }
    }
    List<EpochStats> history = new ArrayList<>();
    for (JsonNode e : JSON.readTree(meta.getOrDefault("history", "[]"))) {
      history.add(new EpochStats(e.get("epoch").asInt(), num(e, "lr"), num(e, "train_loss"),
          num(e, "train_accuracy"), num(e, "test_accuracy"), num(e, "test_loss"), num(e, "images_per_second"),
          num(e, "seconds")));
    }
    return Optional.of(new TrainState(Integer.parseInt(meta.get("epochs_done")), params, optim,
        Long.parseLong(meta.get("optimizer_steps")), history));
  }

  @Override
  public void save(TrainState s) throws IOException {
    Map<String, INDArray> tensors = new LinkedHashMap<>();
    s.params().forEach((k, v) -> tensors.put("param/" + k, v));
    s.optimizerState().forEach((k, v) -> tensors.put("optim/" + k, v));
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "otfuse-train-checkpoint-1");
    meta.put("fingerprint", fingerprint);
    meta.put("epochs_done", Integer.toString(s.epochsDone()));
    meta.put("optimizer_steps", Long.toString(s.optimizerSteps()));
    meta.put("history", historyJson(s.history()).toString());
    Safetensors.write(StateDict.of(checkpointPath(), tensors), checkpointPath(), meta);
  }

  /** Writes {@code model.safetensors}, then {@code meta.json}. */
  public void finish(Network net, TrainMeta meta) throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("otfuse.arch", meta.arch().toString());
    m.put("otfuse.dataset", meta.dataset());
    m.put("otfuse.split", meta.split());
    Safetensors.write(net.params(), modelPath(), m);
    meta.write(dir);
  }

  /** The per-epoch history as a JSON array (for meta.json and the checkpoint). */
  public static ArrayNode historyJson(List<EpochStats> history) {
    ArrayNode a = JSON.createArrayNode();
    for (EpochStats e : history) {
      ObjectNode o = a.addObject();
      o.put("epoch", e.epoch());
      put(o, "lr", e.learningRate());
      put(o, "train_loss", e.trainLoss());
      put(o, "train_accuracy", e.trainAccuracy());
      put(o, "test_accuracy", e.evalAccuracy());
      put(o, "test_loss", e.evalLoss());
      put(o, "images_per_second", e.imagesPerSecond());
      put(o, "seconds", e.seconds());
    }
    return a;
  }

  private static void put(ObjectNode o, String k, double v) {
    if (Double.isFinite(v)) {
      o.put(k, v);
    } else {
      o.putNull(k);
    }
  }

  private static double num(JsonNode e, String k) {
    JsonNode v = e.get(k);
    return v == null || v.isNull() ? Double.NaN : v.asDouble();
  }
}
