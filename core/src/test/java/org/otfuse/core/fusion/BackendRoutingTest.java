package org.otfuse.core.fusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.backend.JavaBackend;
import org.otfuse.core.backend.Precision;
import org.otfuse.core.backend.SinkhornForm;
import org.otfuse.core.backend.SinkhornResult;
import org.otfuse.core.backend.SinkhornSpec;
import org.otfuse.core.backend.TransportBackend;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;
import org.otfuse.core.graph.NeuronGroups;
import org.otfuse.core.ot.CostNormalization;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.testing.Tolerance;

/**
 * {@link GraphFusion} with a device backend: ground costs and Sinkhorn go through the backend
 * (counted), exact OT stays on the CPU, and the fused model is the same function as with the CPU
 * path. The device here is {@link JavaBackend}'s real arithmetic behind {@code isGpu() = true},
 * the same contract {@code CudaBackend} meets on a GPU (checked on an H100 by submit/gpu).
 */
class BackendRoutingTest {

  /** JavaBackend's arithmetic, announced as a device, counting the calls it gets. */
  static final class DeviceLike implements TransportBackend {
    final JavaBackend inner = new JavaBackend(1);
    int costs;
    int sinkhorns;

    @Override
    public String name() {
      return "device-like(java)";
    }

    @Override
    public boolean isGpu() {
      return true;
    }

    @Override
    public float[] groundCost(float[] x, int n, float[] y, int m, int d, GroundMetric metric) {
      costs++;
      return inner.groundCost(x, n, y, m, d, metric);
    }

    @Override
    public SinkhornResult sinkhorn(float[] cost, int n, int m, double[] a, double[] b, SinkhornForm form,
        SinkhornSpec spec) {
      sinkhorns++;
      return inner.sinkhorn(cost, n, m, a, b, form, spec);
    }

    @Override
    public SinkhornResult sinkhornFixed(float[] cost, int n, int m, double[] a, double[] b, SinkhornForm form,
        double reg, int iterations, Precision precision) {
      return inner.sinkhornFixed(cost, n, m, a, b, form, reg, iterations, precision);
    }

    @Override
    public double[] applyPlan(double[] plan, int n, int m, double[] w, int k) {
      return inner.applyPlan(plan, n, m, w, k);
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @CsvSource({"vgg11, WEIGHTS, SINKHORN", "vgg11, ACTIVATIONS, EXACT", "resnet18, WEIGHTS, EXACT",
      "resnet18, ACTIVATIONS, SINKHORN"})
  void denseMathRunsOnTheBackendAndGivesTheSameFunction(String arch, FusionMode mode, SolverKind solver) {
    ArchSpec spec = ArchSpec.cifar(arch).withWidth(0.125).withInputShape(3, 16, 16);
    Network net = GraphPermutationInvarianceTest.randomized(
        Initialization.pytorchDefault(Architectures.build(spec), 41), 43);
    Network copy = GraphPermutationInvarianceTest.permuted(net, new Random(47));
    INDArray samples = Nd4j.randn(3L, new long[] {24, 3, 16, 16}).castTo(DataType.FLOAT);
    INDArray x = Nd4j.randn(5L, new long[] {6, 3, 16, 16}).castTo(DataType.FLOAT);
    FusionOptions o = FusionOptions.defaults().withMode(mode).withSolver(solver, 1e-3)
        .withSinkhornStopping(1e-9, 200_000).withCost(GroundMetric.EUCLIDEAN, CostNormalization.MAX);
    try (DeviceLike device = new DeviceLike()) {
      GraphFusion.Result onDevice = GraphFusion.fuse(List.of(net, copy), 0, o, samples, null, 0, device);
      GraphFusion.Result onCpu = GraphFusion.fuse(List.of(net, copy), 0, o, samples, null, 0, null);
      long hidden = NeuronGroups.of(net.graph()).groups().stream()
          .filter(g -> g.kind() == NeuronGroups.Kind.HIDDEN).count();
      assertEquals(hidden, device.costs, "one device ground cost per transported group");
      assertEquals(solver == SolverKind.SINKHORN ? hidden : 0, device.sinkhorns,
          "Sinkhorn on the device, exact OT on the CPU");
      INDArray expected = net.logits(x);
      Tolerance.absolute(1e-4).assertClose(expected, onDevice.fused().logits(x), arch + " on the device");
      Tolerance.absolute(1e-4).assertClose(onCpu.fused().logits(x), onDevice.fused().logits(x),
          arch + " device vs CPU");
      List<LayerReport> reports = onDevice.reports().get(0);
      assertTrue(reports.stream().filter(LayerReport::transported).allMatch(r -> r.otCost() >= 0),
          "OT costs reported");
    }
  }
}
