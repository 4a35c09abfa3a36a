package org.otfuse.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.otfuse.core.graph.ArchResolver;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Checkpoints;
import picocli.CommandLine.Option;

/**
 * Flags shared by commands that load models: architecture and what is known of it, checkpoint
 * paths. What is not given is read from each checkpoint (see {@link ArchResolver}).
 */
final class ModelOptions {
  @Option(names = "--arch", required = true,
      description = "mlpnet | mlp | vgg11 | vgg13 | vgg16 | vgg19 | vgg11_half | vgg11_doub | vgg11_quad | resnet18 | resnet34 | FILE.conf")
  String arch;

  @Option(names = "--width", description = "multiplier of the standard channel counts (default: from the checkpoint)")
  Double width;

  @Option(names = "--widths", split = ",", description = "MLP hidden widths, e.g. 400,200,100 (default: from the checkpoint)")
  int[] widths;

  @Option(names = "--bias", negatable = true, description = "layers have biases (default: from the checkpoint)")
  Boolean bias;

  @Option(names = "--batchnorm", negatable = true, description = "BatchNorm after convolutions (default: from the checkpoint)")
  Boolean batchNorm;

  @Option(names = "--num-classes", description = "number of classes (default: from the checkpoint)")
  Integer numClasses;

  @Option(names = "--input-shape", split = ",", description = "C,H,W (or F for MLPs); default 784 for MLPs, C,32,32 for CNNs")
  long[] inputShape;

  @Option(names = "--model", required = true,
      description = "checkpoint (.pt/.pth/.checkpoint, .safetensors, .npz), local or s3a://; repeat for several")
  List<String> models = new ArrayList<>();

  ArchResolver.Told told() {
    return new ArchResolver.Told(width, bias, batchNorm, numClasses, inputShape, widths);
  }

  List<Network> load() throws IOException {
    if (!Architectures.names().contains(arch.trim().toLowerCase(java.util.Locale.ROOT)) && !arch.endsWith(".conf")) {
      throw new IllegalArgumentException("unknown architecture '" + arch + "'; known: " + Architectures.names()
          + " or a path to a .conf file");
    }
    List<Network> nets = new ArrayList<>();
    for (String path : models) {
      nets.add(ArchResolver.load(arch, told(), Checkpoints.read(path)));
    }
    return nets;
  }

  @Override
  public String toString() {
    return arch + (widths == null ? "" : Arrays.toString(widths));
  }
}
