package org.otfuse.core.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.otfuse.core.testing.Fixtures;

/**
 * Inputs of the backend contract tests, without ND4J (so that the same tests run on a GPU machine
 * that carries no ND4J): the POT-solved cases of {@code fixtures/ot} read with a minimal {@code
 * .npy} reader, and seeded random problems.
 */
final class BackendFixtures {
  private BackendFixtures() {}

  /** One case of {@code fixtures/ot/ot_solver_results.json} with {@code .npy} files. */
  record PotCase(String name, int n, int m, double sinkhornCost, double sinkhornReg,
      double emdCost) {
    float[] cost() {
      double[] c = npy("ot/" + name + "_C.npy");
      float[] f = new float[c.length];
      for (int i = 0; i < c.length; i++) {
        f[i] = (float) c[i];
      }
      return f;
    }

    double[] a() {
      return npy("ot/" + name + "_a.npy");
    }

    double[] b() {
      return npy("ot/" + name + "_b.npy");
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static List<PotCase> potCases() {
    try {
      JsonNode root = new ObjectMapper().readTree(
          Files.readAllBytes(Path.of(Fixtures.path("ot/ot_solver_results.json"))));
      List<PotCase> out = new ArrayList<>();
      for (JsonNode c : root.get("cases")) {
        if (c.has("fixture_files")) {
          out.add(new PotCase(c.get("name").asText(), c.get("n").asInt(), c.get("m").asInt(),
              c.get("sinkhorn_cost").asDouble(), c.get("sinkhorn_reg").asDouble(),
              c.get("emd_cost").asDouble()));
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A little-endian float64 {@code .npy} file (format 1.0 or 2.0), C order, flattened. */
  static double[] npy(String fixture) {
    try {
      byte[] bytes = Files.readAllBytes(Path.of(Fixtures.path(fixture)));
      ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      if (bytes[0] != (byte) 0x93 || bytes[1] != 'N') {
        throw new IOException(fixture + " is not a .npy file");
      }
      int major = bytes[6];
      int headerLen = major == 1 ? (bb.getShort(8) & 0xffff) : bb.getInt(8);
      int start = major == 1 ? 10 : 12;
      String header = new String(bytes, start, headerLen, StandardCharsets.ISO_8859_1);
      if (!header.contains("'<f8'") || header.contains("'fortran_order': True")) {
        throw new IOException(fixture + ": only C-order '<f8' is supported: " + header);
      }
      int off = start + headerLen;
      double[] out = new double[(bytes.length - off) / 8];
      bb.position(off);
      bb.asDoubleBuffer().get(out);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static float[] gaussian(int rows, int cols, Random rnd) {
    float[] x = new float[rows * cols];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rnd.nextGaussian();
    }
    return x;
  }

  static double[] uniform(int n) {
    double[] a = new double[n];
    java.util.Arrays.fill(a, 1.0 / n);
    return a;
  }

  /** Positive masses summing to 1, from Dirichlet(1) draws. */
  static double[] dirichlet(int n, Random rnd) {
    double[] a = new double[n];
    double s = 0;
    for (int i = 0; i < n; i++) {
      a[i] = -Math.log(1 - rnd.nextDouble()) + 1e-3;
      s += a[i];
    }
    for (int i = 0; i < n; i++) {
      a[i] /= s;
    }
    return a;
  }

  /** Squared Euclidean costs of Gaussian points (as the POT fixtures), float32. */
  static float[] sqEuclideanCost(int n, int m, int d, Random rnd) {
    float[] x = gaussian(n, d, rnd);
    float[] y = gaussian(m, d, rnd);
    float[] c = new float[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int k = 0; k < d; k++) {
          double t = (double) x[i * d + k] - y[j * d + k];
          s += t * t;
        }
        c[i * m + j] = (float) s;
      }
    }
    return c;
  }

  /** The median of the entries (upper of the two middle ones), for reg = 0.05 median. */
  static double median(float[] c) {
    float[] s = c.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }
}
