package org.otfuse.core.zoo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Checkpoints;
import org.otfuse.core.io.HadoopPaths;
import org.otfuse.core.io.Safetensors;

/**
 * A model zoo on any Hadoop file system: {@code <dir>/<model_id>/model.safetensors} and
 * {@code <dir>/<model_id>/meta.json} ({@link ModelMeta}: any architecture; a directory written by
 * {@code otfuse train --out <dir>/<model_id>} is a zoo model too). Both files are written
 * atomically (temporary file, rename), the checkpoint first: a model is in the zoo once its
 * {@code meta.json} exists, so a training task killed half-way leaves no model behind, and a
 * retried one overwrites its own files (or resumes its {@code checkpoint.safetensors}, see
 * {@link ZooTrainer}).
 */
public final class Zoo {
  /** Checkpoint file name inside a model directory. */
  public static final String CHECKPOINT = "model.safetensors";
  /** Metadata file name inside a model directory. */
  public static final String META = "meta.json";

  private final String dir;

  private Zoo(String dir) {
    this.dir = dir;
  }

  /** The zoo rooted at {@code dir} (local path or URI); nothing is read yet. */
  public static Zoo at(String dir) {
    if (dir == null || dir.isBlank()) {
      throw new IllegalArgumentException("zoo directory is empty; set otfuse.zoo.dir");
    }
    return new Zoo(dir);
  }

  /** The zoo's root. */
  public String dir() {
    return dir;
  }

  /** {@code <dir>/<modelId>}. */
  public String modelDir(String modelId) {
    return new Path(dir, modelId).toString();
  }

  /** {@code <dir>/<modelId>/model.safetensors}. */
  public String checkpointPath(String modelId) {
    return new Path(modelDir(modelId), CHECKPOINT).toString();
  }

  /** {@code <dir>/<modelId>/meta.json}. */
  public String metaPath(String modelId) {
    return new Path(modelDir(modelId), META).toString();
  }

  /** Whether the model is complete in the zoo (its meta.json exists). */
  public boolean contains(String modelId) throws IOException {
    return HadoopPaths.exists(metaPath(modelId));
  }

  /**
   * Adds a model: checkpoint first, then meta.json (the commit marker, in the layout of
   * {@code otfuse train} with {@code extra} added), each atomically. Not modified: {@code net},
   * {@code extra}.
   */
  public void write(ModelMeta meta, Network net, ObjectNode extra) throws IOException {
    Safetensors.write(net.params(), checkpointPath(meta.modelId()),
        Map.of("otfuse_model_id", meta.modelId(), "otfuse_version", meta.otfuseVersion()));
    meta.toTrainMeta(extra).write(modelDir(meta.modelId()));
  }

  /** The metadata of one model; fails naming the file when it is missing or malformed. */
  public ModelMeta meta(String modelId) throws IOException {
    String path = metaPath(modelId);
    if (!HadoopPaths.exists(path)) {
      throw new FileNotFoundException(path + ": no such file; model " + modelId + " is not in the zoo " + dir);
    }
    return ModelMeta.read(path, modelId);
  }

  /**
   * Loads a model's checkpoint into the graph of its architecture, checking every tensor's name
   * and shape ({@link Network#of}); a corrupt or mismatching file fails with its path in the message.
   */
  public Network load(ModelMeta meta) throws IOException {
    String path = checkpointPath(meta.modelId());
    try {
      return Network.of(meta.arch().graph(), Checkpoints.read(path));
    } catch (IllegalArgumentException e) {
      String msg = e.getMessage() == null ? "" : e.getMessage();
      throw new IOException(msg.contains(path) ? msg : path + ": " + msg, e);
    }
  }

  /** Every complete model of the zoo (directories with a meta.json), sorted by id; empty if the zoo does not exist. */
  public List<ModelMeta> list() throws IOException {
    Path root = new Path(dir);
    FileSystem fs = HadoopPaths.fileSystem(root);
    List<ModelMeta> out = new ArrayList<>();
    if (!fs.exists(root)) {
      return out;
    }
    for (FileStatus st : fs.listStatus(root)) {
      String name = st.getPath().getName();
      if (st.isDirectory() && !name.startsWith(".") && !name.startsWith("_")
          && fs.exists(new Path(st.getPath(), META))) {
        out.add(ModelMeta.read(metaPath(name), name)); // existence just checked: no second look-up
      }
    }
    out.sort(Comparator.comparing(ModelMeta::modelId));
    return out;
  }
}
