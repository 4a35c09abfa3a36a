package org.otfuse.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.otfuse.core.fusion.FusionOptions;
import org.otfuse.core.fusion.GraphFusion;
import org.otfuse.core.graph.ArchSpec;
import org.otfuse.core.graph.Architectures;
import org.otfuse.core.graph.Graph;
import org.otfuse.core.graph.Initialization;
import org.otfuse.core.graph.Network;
import org.otfuse.core.io.Npy;
import org.otfuse.core.ot.ExactOt;
import org.otfuse.core.ot.GroundCost;
import org.otfuse.core.ot.GroundMetric;
import org.otfuse.core.ot.Sinkhorn;
import org.otfuse.core.ot.SinkhornOptions;
import org.otfuse.core.ot.TransportPlan;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code otfuse bench ot}: otfuse's transport solvers and the anchors (POT's {@code ot.emd} and
 * {@code ot.sinkhorn}, scipy's {@code linear_sum_assignment}) side by side, on the same inputs, in
 * one run. For each case a Python script ({@code benchmarks/anchors.py}, run with
 * {@code $OTFUSE_PYTHON}, default {@code /usr/bin/python3}) draws the problem, writes it as .npy
 * files to a temporary folder and times the anchors there; otfuse then reads the very same files
 * and times its solver in this JVM. Each case prints one result: {@code n, m, solver, otfuse_s,
 * anchor, anchor_s, ratio (= otfuse_s / anchor_s), cost_rel_diff}. See docs/benchmarks.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: otfuse next to reference tools on the same inputs.",
    subcommands = {BenchCommand.Ot.class})
final class BenchCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The cases of {@code bench ot}. */
  enum Case {
    /** Square uniform exact OT vs scipy LSAP and POT ot.emd, for every size. */
    SQUARE,
    /** Entropic OT (Sinkhorn) vs POT ot.sinkhorn, for every size. */
    SINKHORN,
    /** A rectangular uniform problem (default 3000 x 2000), exact and Sinkhorn vs POT. */
    RECT,
    /** Non-uniform (Dirichlet) marginals (default n = 1024), exact and Sinkhorn vs POT. */
    DIRICHLET,
    /** Ground cost n x n from d-dimensional float32 points vs a plain GEMM of the same size. */
    COST,
    /**
     * End-to-end fusion of two random VGG11 (no bias, no BatchNorm; CIFAR-10 shapes), weights
     * mode, exact OT, in process; compared with the reference implementation's reported time.
     */
    VGG11
  }

  /** The reference implementation's two-VGG11 weights-mode exact fusion time (issue 7). */
  static final double REFERENCE_VGG11_SECONDS = 0.45;

  @Command(name = "ot", mixinStandardHelpOptions = true,
      description = "Exact OT, Sinkhorn and ground costs next to POT / scipy on the same inputs.")
  static final class Ot implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--sizes", split = ",", defaultValue = "256,512,1024,2048,4096,8192",
        description = "n of the square uniform cases (default: ${DEFAULT-VALUE})")
    int[] sizes;

    @Option(names = "--cases", split = ",",
        defaultValue = "square,sinkhorn,rect,dirichlet,cost,vgg11",
        description = "which cases: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    Case[] cases;

    @Option(names = "--rect", defaultValue = "3000x2000", description = "n x m of the rect case")
    String rect;

    @Option(names = "--dirichlet-n", defaultValue = "1024",
        description = "n = m of the Dirichlet-marginals case")
    int dirichletN;

    @Option(names = "--cost-size", defaultValue = "4096x4096",
        description = "n x d of the ground-cost case (n points against n points)")
    String costSize;

    @Option(names = "--emd-max-n", defaultValue = "4096",
        description = "largest n of a square case timed with POT ot.emd (it is O(n^3))")
    int emdMaxN;

    @Option(names = "--sinkhorn-max-n", defaultValue = "8192",
        description = "largest n of a square case run with Sinkhorn")
    int sinkhornMaxN;

    @Option(names = "--repeats", defaultValue = "5",
        description = "timed runs per solver and case, both sides, after the warm-up; fewer once they"
            + " took --budget seconds; the median is reported (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--warmup", defaultValue = "10",
        description = "untimed warm-up runs per solver and case, both sides (JIT, first-touch page"
            + " faults): at least this many (and at least 1) and at least --warmup-min seconds of them,"
            + " but none starts once they took --warmup-budget seconds (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--warmup-budget", defaultValue = "5",
        description = "seconds of warm-up after which no more warm-up runs start, even short of"
            + " --warmup runs or --warmup-min seconds; 0: no warm-up (default: ${DEFAULT-VALUE})")
    double warmupBudget;

    @Option(names = "--warmup-min", defaultValue = "1",
        description = "seconds of warm-up before timing, at the least (within --warmup-budget), both"
            + " sides: small problems need hundreds of runs before the JIT has compiled their loops"
            + " (default: ${DEFAULT-VALUE})")
    double warmupMin;

    @Option(names = "--budget", defaultValue = "30",
        description = "stop repeating a solver once its timed runs took this many seconds"
            + " (default: ${DEFAULT-VALUE})")
    double budget;

    @Option(names = "--reg-factor", defaultValue = "0.05",
        description = "Sinkhorn reg = factor * median(C), as in shared/fixtures/ot")
    double regFactor;

    @Option(names = "--stop-thr", defaultValue = "1e-9",
        description = "Sinkhorn stopping tolerance on the marginal error (both tools)")
    double stopThr;

    @Option(names = "--max-iter", defaultValue = "1000",
        description = "Sinkhorn iteration limit (both tools)")
    int maxIter;

    @Option(names = "--no-anchors", description = "time otfuse only (inputs drawn in Python)")
    boolean noAnchors;

    @Option(names = "--python", description = "Python with POT and scipy (default: "
        + "$OTFUSE_PYTHON, else /usr/bin/python3)")
    String python;

    @Option(names = "--anchors-script", description = "path of benchmarks/anchors.py (default:"
        + " found from the otfuse install)")
    String anchorsScript;

    @Option(names = "--json", description = "one JSON object per line and case")
    boolean json;

    private PrintWriter out;
    private PrintWriter err;

    @Override
    public Integer call() throws Exception {
      out = spec.commandLine().getOut();
      err = spec.commandLine().getErr();
      if (repeats < 1) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--repeats is " + repeats + " but must be >= 1");
      }
      if (!(warmupMin >= 0) || !(warmupBudget >= 0)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--warmup-min is " + warmupMin
            + " and --warmup-budget " + warmupBudget + " but both must be >= 0 seconds");
      }
      String py = python != null ? python
          : System.getenv().getOrDefault("OTFUSE_PYTHON", "/usr/bin/python3");
      Path script = anchorsScript != null ? Path.of(anchorsScript) : findScript();
      if (script == null || !Files.isRegularFile(script)) {
        throw new CommandLine.ParameterException(spec.commandLine(), "cannot find"
            + " benchmarks/anchors.py (looked next to the otfuse install); pass --anchors-script");
      }
      boolean anchors = !noAnchors;
      if (!anchors) {
        note("--no-anchors: timing otfuse only; anchors.py still draws the inputs");
      } else if (!pythonWorks(py)) {
        note("anchors skipped: " + py + " cannot import numpy, scipy and ot (POT); set"
            + " OTFUSE_PYTHON or --python to a Python that has them (Debian: apt-get install"
            + " python3-pot python3-scipy); timing otfuse only");
        anchors = false;
      }
      if (!Files.isExecutable(Path.of(py)) && !anchors) {
        note("no Python at " + py + ": nothing to draw the inputs with");
        return 1;
      }
      List<Case> todo = Arrays.asList(cases);
      Path tmp = Files.createTempDirectory("otfuse-bench-");
      try {
        if (todo.contains(Case.SQUARE) || todo.contains(Case.SINKHORN)) {
          for (int n : sizes) {
            List<String> which = new ArrayList<>();
            if (todo.contains(Case.SQUARE)) {
              which.add("lsa");
              if (n <= emdMaxN) {
                which.add("emd");
              }
            }
            if (todo.contains(Case.SINKHORN) && n <= sinkhornMaxN) {
              which.add("sinkhorn");
            }
            problemCase(py, script, tmp, n, n, "uniform", which, anchors);
          }
        }
        if (todo.contains(Case.RECT)) {
          int[] nm = dims(rect, "--rect");
          problemCase(py, script, tmp, nm[0], nm[1], "uniform", List.of("emd", "sinkhorn"),
              anchors);
        }
        if (todo.contains(Case.DIRICHLET)) {
          problemCase(py, script, tmp, dirichletN, dirichletN, "dirichlet",
              List.of("emd", "sinkhorn"), anchors);
        }
        if (todo.contains(Case.COST)) {
          int[] nd = dims(costSize, "--cost-size");
          costCase(nd[0], nd[1]);
        }
        if (todo.contains(Case.VGG11)) {
          vggCase();
        }
      } finally {
        deleteTree(tmp);
      }
      return 0;
    }

    private void problemCase(String py, Path script, Path tmp, int n, int m, String marginals,
        List<String> which, boolean anchors) throws IOException, InterruptedException {
      Path dir = tmp.resolve(n + "x" + m + "-" + marginals);
      List<String> cmd = new ArrayList<>(List.of(py, script.toString(), "--out", dir.toString(),
          "--n", Integer.toString(n), "--m", Integer.toString(m), "--marginals", marginals,
          "--solvers", anchors ? String.join(",", which) : "", "--repeats",
          Integer.toString(repeats), "--warmup", Integer.toString(warmup), "--warmup-budget",
          Double.toString(warmupBudget), "--warmup-min", Double.toString(warmupMin), "--budget",
          Double.toString(budget), "--reg-factor",
          Double.toString(regFactor), "--stop-thr", Double.toString(stopThr), "--num-itermax",
          Integer.toString(maxIter)));
      JsonNode res = runPython(cmd);
      INDArray c = Npy.read(dir.resolve("C.npy").toString());
      INDArray a = Npy.read(dir.resolve("a.npy").toString());
      INDArray b = Npy.read(dir.resolve("b.npy").toString());
      double reg = res.get("reg").asDouble();
      JsonNode anc = res.get("anchors");
      Timing<TransportPlan> exact = null;
      for (String w : which) {
        if (w.equals("sinkhorn")) {
          Sinkhorn s = new Sinkhorn(new SinkhornOptions(reg, stopThr, maxIter));
          Timing<TransportPlan> t = timeAny(() -> s.solve(a, b, c));
          Map<String, Object> r = row(n, m, marginals, "sinkhorn", t, "ot.sinkhorn",
              anc.get("sinkhorn"));
          r.put("reg", reg);
          r.put("otfuse_iterations", t.last.iterations());
          r.put("otfuse_marginal_error", t.last.marginalError());
          r.put("otfuse_has_nan", t.last.plan().isNaN().any());
          if (anc.has("sinkhorn")) {
            r.put("anchor_iterations", anc.get("sinkhorn").get("niter").asInt());
            r.put("anchor_marginal_error", anc.get("sinkhorn").get("marginal_error").asDouble());
            r.put("anchor_has_nan", anc.get("sinkhorn").get("has_nan").asBoolean());
          }
          emit(r);
        } else {
          if (exact == null) {
            ExactOt s = new ExactOt();
            exact = timeAny(() -> s.solve(a, b, c));
          }
          String anchor = w.equals("lsa") ? "scipy.linear_sum_assignment" : "ot.emd";
          emit(row(n, m, marginals, "exact", exact, anchor, anc.get(w)));
        }
      }
      deleteTree(dir);
    }

    private void costCase(int n, int d) {
      // float32 points as fusion has them (weights), fixed seed
      Nd4j.getRandom().setSeed(42);
      INDArray x = Nd4j.randn(DataType.FLOAT, n, d);
      INDArray y = Nd4j.randn(DataType.FLOAT, n, d);
      INDArray xd = x.castTo(DataType.DOUBLE);
      INDArray yd = y.castTo(DataType.DOUBLE);
      INDArray outD = Nd4j.createUninitialized(DataType.DOUBLE, n, n);
      // both in the same JVM: runs interleaved (cost, GEMM, cost, ...) so that a change in the
      // machine's load hits both alike
      List<Timing<INDArray>> both = timeInterleaved(
          () -> GroundCost.pairwise(x, y, GroundMetric.SQEUCLIDEAN),
          () -> {
            Nd4j.gemm(xd, yd, outD, false, true, 1.0, 0.0);
            return outD;
          });
      Timing<INDArray> cost = both.get(0);
      Timing<INDArray> gemm = both.get(1);
      double flops = 2.0 * n * (double) n * d;
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("n", n);
      r.put("m", n);
      r.put("d", d);
      r.put("solver", "ground_cost_sqeuclidean");
      r.put("otfuse_s", cost.seconds);
      r.put("anchor", "nd4j.gemm_float64");
      r.put("anchor_s", gemm.seconds);
      r.put("ratio", cost.seconds / gemm.seconds);
      // the cost matches the GEMM-based identity ||x||^2 + ||y||^2 - 2 x.y on a sample
      r.put("cost_rel_diff", Json.finite(sampleCheck(xd, yd, cost.last)));
      r.put("gemm_gflops", flops / gemm.seconds / 1e9);
      r.put("cost_gflops", flops / cost.seconds / 1e9);
      r.put("otfuse_runs_s", cost.runs);
      r.put("anchor_runs_s", gemm.runs);
      emit(r);
    }

    private void vggCase() {
      ArchSpec spec = ArchSpec.cifar("vgg11").withBias(false).withBatchNorm(false);
      Graph graph = Architectures.build(spec);
      List<Network> models = List.of(Initialization.pytorchDefault(graph, 0),
          Initialization.pytorchDefault(graph, 1));
      FusionOptions options = FusionOptions.defaults(); // weights mode, exact OT
      Timing<GraphFusion.Result> t = timeAny(() -> GraphFusion.fuse(models, 0, options, null));
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("n", 2);
      r.put("m", 2);
      r.put("solver", "fusion_vgg11_weights_exact");
      r.put("otfuse_s", t.seconds);
      r.put("anchor", "otfusion_reference_reported");
      r.put("anchor_s", REFERENCE_VGG11_SECONDS);
      r.put("ratio", t.seconds / REFERENCE_VGG11_SECONDS);
      r.put("cost_rel_diff", null);
      r.put("anchor_measured", false);
      r.put("models", "2 x VGG11 (CIFAR-10, no bias, no BatchNorm), seeds 0 and 1");
      r.put("otfuse_runs_s", t.runs);
      emit(r);
    }

    /** Max relative difference between {@code c} and a direct loop on 64 sampled entries. */
    private static double sampleCheck(INDArray x, INDArray y, INDArray c) {
      java.util.Random rnd = new java.util.Random(1);
      double worst = 0;
      for (int s = 0; s < 64; s++) {
        int i = rnd.nextInt((int) x.size(0));
        int j = rnd.nextInt((int) y.size(0));
        double[] xi = x.getRow(i).toDoubleVector();
        double[] yj = y.getRow(j).toDoubleVector();
        double sq = 0;
        for (int k = 0; k < xi.length; k++) {
          double t = xi[k] - yj[k];
          sq += t * t;
        }
        worst = Math.max(worst, Math.abs(c.getDouble(i, j) - sq) / sq);
      }
      return worst;
    }

    private Map<String, Object> row(int n, int m, String marginals, String solver,
        Timing<TransportPlan> t, String anchor, JsonNode anc) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("n", n);
      r.put("m", m);
      r.put("marginals", marginals);
      r.put("solver", solver);
      r.put("otfuse_s", t.seconds);
      r.put("anchor", anchor);
      if (anc != null) {
        double as = anc.get("seconds").asDouble();
        double ac = anc.get("cost").asDouble();
        r.put("anchor_s", as);
        r.put("ratio", t.seconds / as);
        r.put("cost_rel_diff", Math.abs(t.last.cost() - ac) / Math.abs(ac));
        r.put("anchor_cost", ac);
      } else {
        r.put("anchor_s", null);
        r.put("ratio", null);
        r.put("cost_rel_diff", null);
      }
      r.put("otfuse_cost", t.last.cost());
      r.put("otfuse_runs_s", t.runs);
      if (anc != null) {
        List<Double> runs = new ArrayList<>();
        anc.get("runs").forEach(x -> runs.add(x.asDouble()));
        r.put("anchor_runs_s", runs);
      }
      return r;
    }

    private void emit(Map<String, Object> r) {
      if (json) {
        out.println(Json.write(r));
      } else {
        out.printf(Locale.ROOT, "%-26s %5s x %-5s %-10s otfuse %9.4f s  %-28s %9s s  ratio %7s"
                + "  cost_rel_diff %s%n", r.get("solver"), r.get("n"), r.get("m"),
            r.getOrDefault("marginals", ""), (Double) r.get("otfuse_s"), r.get("anchor"),
            fmt(r.get("anchor_s"), "%.4f"), fmt(r.get("ratio"), "%.3f"),
            fmt(r.get("cost_rel_diff"), "%.2e"));
      }
      out.flush();
    }

    private static String fmt(Object v, String f) {
      return v == null ? "-" : String.format(Locale.ROOT, f, (Double) v);
    }

    private void note(String msg) {
      err.println("otfuse bench: " + msg);
      err.flush();
    }

    /** A solver's timings: median seconds, every timed run, the last result. */
    record Timing<T>(double seconds, List<Double> runs, T last) {}

    /**
     * Warm-up runs ({@link #warmUp}), then up to {@code repeats} timed runs, none started once
     * they took {@code budget} seconds.
     */
    private <T> Timing<T> timeAny(Supplier<T> f) {
      T last = warmUp(f);
      List<Double> runs = new ArrayList<>();
      double total = 0;
      for (int k = 0; k < repeats && total < budget; k++) {
        last = null;
        System.gc();
        long t0 = System.nanoTime();
        last = f.get();
        double s = (System.nanoTime() - t0) / 1e9;
        runs.add(s);
        total += s;
      }
      return new Timing<>(median(runs), runs, last);
    }

    /**
     * Untimed runs (JIT, first-touch page faults), the rule of anchors.py's {@code timed}: at
     * least {@code max(1, warmup)} runs and at least {@code warmupMin} seconds of them, but none
     * started once they took {@code warmupBudget} seconds (so none at all when that is 0).
     */
    private <T> T warmUp(Supplier<T> f) {
      T last = null;
      double spent = 0;
      for (int k = 0; (k < Math.max(1, warmup) || spent < warmupMin) && spent < warmupBudget; k++) {
        long t0 = System.nanoTime();
        last = f.get();
        spent += (System.nanoTime() - t0) / 1e9;
      }
      return last;
    }

    /** Warm-ups each, then runs of {@code f} and {@code g} alternately (same budget rule). */
    private List<Timing<INDArray>> timeInterleaved(Supplier<INDArray> f, Supplier<INDArray> g) {
      INDArray lastF = warmUp(f);
      INDArray lastG = warmUp(g);
      List<Double> runsF = new ArrayList<>();
      List<Double> runsG = new ArrayList<>();
      double total = 0;
      for (int k = 0; k < repeats && total < budget; k++) {
        System.gc();
        long t0 = System.nanoTime();
        lastF = f.get();
        double sf = (System.nanoTime() - t0) / 1e9;
        System.gc();
        t0 = System.nanoTime();
        lastG = g.get();
        double sg = (System.nanoTime() - t0) / 1e9;
        runsF.add(sf);
        runsG.add(sg);
        total += Math.max(sf, sg);
      }
      return List.of(new Timing<>(median(runsF), runsF, lastF),
          new Timing<>(median(runsG), runsG, lastG));
    }

    static double median(List<Double> runs) {
      List<Double> sorted = new ArrayList<>(runs);
      sorted.sort(Comparator.naturalOrder());
      int k = sorted.size();
      return k % 2 == 1 ? sorted.get(k / 2) : (sorted.get(k / 2 - 1) + sorted.get(k / 2)) / 2;
    }

    private JsonNode runPython(List<String> cmd) throws IOException, InterruptedException {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      // OpenBLAS core-type overrides (set on some machines for old OpenBLAS builds) slow a
      // current numpy down; the anchors run without them (see docs/benchmarks.md)
      pb.environment().remove("OPENBLAS_CORETYPE");
      pb.environment().remove("OPENBLAS_L2_SIZE");
      if ("1".equals(System.getenv("OTFUSE_GOMP_SPINCOUNT_DEFAULTED"))) {
        // the launcher's setting for ND4J (submit/jvm-flags.sh), not the user's: the anchors run
        // with their libraries' defaults
        pb.environment().remove("GOMP_SPINCOUNT");
      }
      pb.redirectError(ProcessBuilder.Redirect.INHERIT);
      Process p = pb.start();
      byte[] stdout = p.getInputStream().readAllBytes();
      if (!p.waitFor(1, TimeUnit.HOURS) || p.exitValue() != 0) {
        throw new IOException("anchors.py failed (exit " + p.exitValue() + "): "
            + String.join(" ", cmd));
      }
      String text = new String(stdout, StandardCharsets.UTF_8).trim();
      String last = text.substring(text.lastIndexOf('\n') + 1);
      return new ObjectMapper().readTree(last);
    }

    private static boolean pythonWorks(String py) {
      try {
        Process p = new ProcessBuilder(py, "-c", "import numpy, scipy.optimize, ot")
            .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0;
      } catch (IOException | InterruptedException e) {
        return false;
      }
    }

    /** benchmarks/anchors.py beside the core module that holds this class (jar or classes). */
    private static Path findScript() {
      List<Path> starts = new ArrayList<>();
      try {
        starts.add(Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation()
            .toURI()).toAbsolutePath());
      } catch (URISyntaxException | SecurityException | NullPointerException e) {
        // fall through to the working directory
      }
      starts.add(Path.of("").toAbsolutePath());
      for (Path start : starts) {
        for (Path p = start; p != null; p = p.getParent()) {
          Path s = p.resolve("benchmarks").resolve("anchors.py");
          if (Files.isRegularFile(s)) {
            return s;
          }
        }
      }
      return null;
    }

    private int[] dims(String s, String flag) {
      String[] parts = s.toLowerCase(Locale.ROOT).split("x");
      try {
        if (parts.length == 2) {
          int[] r = {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
          if (r[0] >= 1 && r[1] >= 1) {
            return r;
          }
        }
      } catch (NumberFormatException e) {
        // reported below
      }
      throw new CommandLine.ParameterException(spec.commandLine(),
          flag + " is '" + s + "' but must be NxM with positive integers, e.g. 3000x2000");
    }

    private static void deleteTree(Path dir) throws IOException {
      if (!Files.exists(dir)) {
        return;
      }
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }
}
