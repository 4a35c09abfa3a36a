package org.otfuse.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.otfuse.core.io.Checkpoints;
import org.otfuse.core.model.Architecture;
import org.otfuse.core.model.MlpNet;
import org.otfuse.core.model.MlpSpec;
import picocli.CommandLine.Option;

/** Flags shared by commands that load models: architecture, widths, bias, checkpoint paths. */
final class ModelOptions {
  @Option(names = "--arch", required = true, description = "architecture: mlpnet | mlp")
  String arch;

  @Option(names = "--widths", split = ",", description = "hidden widths, e.g. 400,200,100 (default: from the checkpoint)")
  int[] widths;

  @Option(names = "--bias", negatable = true, description = "layers have biases (default: from the checkpoint)")
  Boolean bias;

  @Option(names = "--model", required = true, description = "checkpoint (.pt/.pth/.checkpoint, .safetensors, .npz); repeat for several")
  List<String> models = new ArrayList<>();

  MlpSpec spec() {
    MlpSpec s = Architecture.parse(arch).spec();
    if (widths != null) {
      s = s.withHidden(widths);
    }
    if (bias != null) {
      s = s.withBias(bias);
    }
    return s;
  }

  List<MlpNet> load() throws IOException {
    MlpSpec s = spec();
    List<MlpNet> nets = new ArrayList<>();
    for (String path : models) {
      nets.add(MlpNet.fromStateDict(Checkpoints.read(path), s));
    }
    return nets;
  }

  @Override
  public String toString() {
    return arch + (widths == null ? "" : Arrays.toString(widths));
  }
}
