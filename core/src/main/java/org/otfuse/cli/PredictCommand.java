package org.otfuse.cli;

import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Npy;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code otfuse predict}: logits of one model on given inputs. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = "Write a model's logits for inputs X (N x C x H x W or N x F float32, already normalised).")
final class PredictCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Mixin
  ModelOptions models;

  @Option(names = "--input", required = true, description = "inputs (.npy)")
  String input;

  @Option(names = "--out", required = true, description = "logits (.npy, float32, N x classes, input order)")
  String out;

  @Option(names = "--batch", defaultValue = "256", description = "batch size")
  int batch;

  @Override
  public Integer call() throws Exception {
    if (models.models.size() != 1) {
      throw new IllegalArgumentException("predict takes one --model, got " + models.models.size());
    }
    Network net = models.load().get(0);
    INDArray x = Npy.read(input).castTo(DataType.FLOAT);
    long n = x.size(0);
    INDArray logits = Nd4jRows.mapBatches(x, batch, net::logits);
    Npy.write(logits, out);
    spec.commandLine().getOut().println("wrote " + out + " (" + n + " x " + logits.size(1) + " logits)");
    spec.commandLine().getOut().flush();
    return 0;
  }
}
