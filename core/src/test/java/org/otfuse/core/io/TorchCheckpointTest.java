package org.otfuse.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.testing.Fixtures;

/**
 * {@link TorchCheckpoint} against files written by the real PyTorch: the paper's own legacy
 * checkpoints (torch of 2019) and the small files of make_torch_fixtures.py (torch 1.13), whose
 * values numpy wrote to torch_expected.npz. Every comparison is exact.
 */
class TorchCheckpointTest {

  private static final List<String> PAPER_NAMES = List.of("fc1.weight", "fc2.weight", "fc3.weight", "fc4.weight");

  @ParameterizedTest
  @ValueSource(strings = {"model_0", "model_1"})
  void paperLegacyCheckpointsReadBitIdenticalToTheirNpy(String model) throws Exception {
    // Saved from CUDA tensors (location 'cuda:0'): torch.load needs map_location, this reader does not.
    String dir = "otfusion-mnist/checkpoints/" + model + "/";
    String file = Fixtures.path(dir + "final.checkpoint");
    StateDict sd = TorchCheckpoint.read(file);
    assertEquals(PAPER_NAMES, List.copyOf(sd.names()));
    assertEquals(file, sd.source());
    for (String name : PAPER_NAMES) {
      INDArray npy = Npy.read(Fixtures.path(dir + name + ".npy"));
      INDArray t = sd.get(name);
      assertEquals(DataType.FLOAT, t.dataType(), name);
      assertArrayEquals(npy.shape(), t.shape(), name);
      assertTrue(npy.equals(t), name);
      assertArrayEquals(npy.data().asFloat(), t.dup('c').data().asFloat(), 0f, name + " bit for bit");
    }
    assertArrayEquals(new long[] {400, 784}, sd.get("fc1.weight").shape());
  }

  @Test
  void paperReadObjectGivesTestAccuracyEpochAndArgs() throws Exception {
    double[] accuracy = {97.72, 97.75};
    for (int m = 0; m < 2; m++) {
      String file = Fixtures.path("otfusion-mnist/checkpoints/model_" + m + "/final.checkpoint");
      Map<?, ?> top = assertInstanceOf(Map.class, TorchCheckpoint.readObject(file));
      assertEquals(List.of("args", "epoch", "model_state_dict", "test_accuracy"),
          top.keySet().stream().map(String::valueOf).sorted().toList());
      assertEquals(accuracy[m], ((Number) top.get("test_accuracy")).doubleValue(), 0.0);
      assertEquals(10, ((Number) top.get("epoch")).intValue());
      Map<?, ?> args = assertInstanceOf(Map.class, top.get("args")); // vars(argparse.Namespace)
      assertEquals("mlpnet", args.get("model_name"));
      assertEquals(Boolean.TRUE, args.get("disable_bias"));
      assertEquals(400, ((Number) args.get("num_hidden_nodes1")).intValue());
      Map<?, ?> inner = assertInstanceOf(Map.class, top.get("model_state_dict"));
      assertArrayEquals(new long[] {10, 100}, assertInstanceOf(INDArray.class, inner.get("fc4.weight")).shape());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"torch_zip.pt", "torch_legacy.pt", "torch_wrapped.pt", "torch_wrapped_legacy.pt"})
  void pytorchFilesMatchNumpyValuesExactly(String name) throws Exception {
    StateDict sd = TorchCheckpoint.read(IoFixtures.path(name));
    StateDict expected = Npz.read(IoFixtures.path("torch_expected.npz"));
    List<IoFixtures.Expected> spec = IoFixtures.expectedTensors();
    assertEquals(spec.stream().map(IoFixtures.Expected::name).toList(), List.copyOf(sd.names()),
        "names in state_dict order, no _metadata");
    for (IoFixtures.Expected e : spec) {
      INDArray t = sd.get(e.name());
      assertArrayEquals(e.shape(), t.shape(), e.name());
      IoFixtures.assertExactly(expected.get(e.name()), t, e.nd4jType(), name + " " + e.name());
    }
    // A few values spelled out, so a wrong fixture cannot hide a wrong reader.
    assertEquals(0, sd.get("bn1.num_batches_tracked").rank());
    assertEquals(7L, sd.get("bn1.num_batches_tracked").getLong(0));
    assertEquals(-3L * 1000000007L, sd.get("long_vec").getLong(0));
    assertEquals(2147483647L, sd.get("int32").getLong(0, 2));
    assertEquals(255, sd.get("uint8").getInt(2));
    assertEquals(-128, sd.get("int8").getInt(0));
    assertFalse(sd.get("bool").getDouble(1) != 0);
    assertEquals(2.5, sd.get("scalar_f").getDouble(0), 0.0);
    // shared_rows = big[2:5] and shared_col = big[:, 1] view one storage: rows 2..4 of the column.
    for (int r = 0; r < 3; r++) {
      assertEquals(sd.get("shared_col").getFloat(r + 2), sd.get("shared_rows").getFloat(r, 1), 0f);
    }
  }

  @Test
  void readObjectOfWrappedCheckpointKeepsEverything() throws Exception {
    for (String name : new String[] {"torch_wrapped.pt", "torch_wrapped_legacy.pt"}) {
      Map<?, ?> top = assertInstanceOf(Map.class, TorchCheckpoint.readObject(IoFixtures.path(name)));
      assertEquals(List.of("model_state_dict", "epoch", "args", "best_acc", "history"),
          List.copyOf(top.keySet()), name + ": key order");
      assertEquals(3, ((Number) top.get("epoch")).intValue());
      assertEquals(91.25, (Double) top.get("best_acc"), 0.0);
      assertEquals(List.of(0.5, 0.25), top.get("history"));
      TorchCheckpoint.PythonObject args = assertInstanceOf(TorchCheckpoint.PythonObject.class, top.get("args"));
      assertEquals("argparse.Namespace", args.className());
      assertEquals(0.1, (Double) args.get("lr"), 0.0);
      assertEquals(List.of(4, 3), args.get("widths"));
      Map<?, ?> inner = assertInstanceOf(Map.class, top.get("model_state_dict"));
      assertEquals(22, inner.size());
      assertArrayEquals(new long[] {5, 3}, assertInstanceOf(INDArray.class, inner.get("transposed")).shape());
    }
  }

  @Test
  void aDictWithoutStateDictNamesItsKeys() {
    String file = IoFixtures.path("torch_not_state_dict.pt");
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> TorchCheckpoint.read(file));
    assertTrue(e.getMessage().startsWith(file + ": no state_dict found"), e.getMessage());
    assertTrue(e.getMessage().contains("weights (a list)") && e.getMessage().contains("epoch"), e.getMessage());
  }

  @Test
  void missingTensorNamesFileTensorAndWhatIsThere() throws Exception {
    String file = Fixtures.path("otfusion-mnist/checkpoints/model_0/final.checkpoint");
    StateDict sd = TorchCheckpoint.read(file);
    MissingTensorException e = assertThrows(MissingTensorException.class, () -> sd.get("fc5.weight"));
    assertEquals(file + ": no tensor 'fc5.weight'; the state_dict has 4 tensors: "
        + "[fc1.weight, fc2.weight, fc3.weight, fc4.weight]", e.getMessage());
    assertEquals("fc5.weight", e.name());
    assertTrue(sd.find("fc5.weight").isEmpty());
  }

  @Test
  void legacyFileTruncatedAnywhereFailsNamingTheFile(@TempDir Path dir) throws Exception {
    byte[] ok = Files.readAllBytes(Path.of(IoFixtures.path("torch_legacy.pt")));
    // In the magic pickle, in sys_info, in the object pickle, in the key list, in a storage's
    // element count, in the last storage's data, one byte short.
    for (int cut : new int[] {0, 5, 40, 300, 1500, ok.length - 700, ok.length - 30, ok.length - 1}) {
      assertFailsNamingFile(dir, "legacy_cut" + cut + ".pt", Arrays.copyOf(ok, cut), null);
    }
    Path big = Path.of(Fixtures.path("otfusion-mnist/checkpoints/model_1/final.checkpoint"));
    byte[] paper = Files.readAllBytes(big);
    assertFailsNamingFile(dir, "paper_cut.checkpoint", Arrays.copyOf(paper, paper.length / 2), "truncated");
  }

  @Test
  void zipFileTruncatedAnywhereFailsNamingTheFile(@TempDir Path dir) throws Exception {
    byte[] ok = Files.readAllBytes(Path.of(IoFixtures.path("torch_zip.pt")));
    for (int cut : new int[] {3, 100, ok.length / 2, ok.length - 200, ok.length - 23, ok.length - 1}) {
      assertFailsNamingFile(dir, "zip_cut" + cut + ".pt", Arrays.copyOf(ok, cut), null);
    }
  }

  @Test
  void garbageAndBadMagicFailNamingTheFile(@TempDir Path dir) throws Exception {
    assertFailsNamingFile(dir, "garbage.pt", "this is not a checkpoint at all".getBytes(), "not a torch.save file");
    byte[] legacy = Files.readAllBytes(Path.of(IoFixtures.path("torch_legacy.pt")));
    byte[] badMagic = legacy.clone();
    badMagic[6] ^= 0x55;
    assertFailsNamingFile(dir, "bad_magic.pt", badMagic, "magic number");
    byte[] badPickle = legacy.clone();
    for (int i = 200; i < 260; i++) {
      badPickle[i] = (byte) 0xff;
    }
    assertFailsNamingFile(dir, "bad_pickle.pt", badPickle, "pickle");
  }

  @Test
  void zipWithMissingStorageNamesStorageAndTensor(@TempDir Path dir) throws Exception {
    // Storage keys follow first use: fc1.weight 0, fc1.bias 1, bn1.weight 2, bn1.bias 3.
    byte[] copy = rewriteZip(IoFixtures.path("torch_zip.pt"), "torch_zip/data/3", null);
    TensorFormatException e = assertFailsNamingFile(dir, "missing_storage.pt", copy, "storage 3");
    assertTrue(e.getMessage().contains("bn1.bias") && e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void zipWithShortStorageSaysWhatTheTensorNeeds(@TempDir Path dir) throws Exception {
    byte[] copy = rewriteZip(IoFixtures.path("torch_zip.pt"), "torch_zip/data/0", b -> Arrays.copyOf(b, 20));
    TensorFormatException e = assertFailsNamingFile(dir, "short_storage.pt", copy, "fc1.weight");
    assertTrue(e.getMessage().contains("needs 12 elements but the storage has only 5"), e.getMessage());
  }

  @Test
  void zipWithCorruptPickleOrCrcFails(@TempDir Path dir) throws Exception {
    byte[] noPickle = rewriteZip(IoFixtures.path("torch_zip.pt"), "torch_zip/data.pkl",
        b -> Arrays.copyOf(b, b.length / 3));
    assertFailsNamingFile(dir, "cut_pickle.pt", noPickle, "pickle in data.pkl");
    byte[] ok = Files.readAllBytes(Path.of(IoFixtures.path("torch_zip.pt")));
    byte[] flipped = ok.clone();
    flipped[200] ^= 0x01; // inside data.pkl, which is stored uncompressed
    assertFailsNamingFile(dir, "crc.pt", flipped, "CRC-32");
  }

  private static TensorFormatException assertFailsNamingFile(Path dir, String name, byte[] bytes, String says)
      throws Exception {
    Path f = dir.resolve(name);
    Files.write(f, bytes);
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> TorchCheckpoint.read(f.toString()),
        name);
    assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
    if (says != null) {
      assertTrue(e.getMessage().contains(says), name + ": " + e.getMessage());
    }
    assertThrows(TensorFormatException.class, () -> Checkpoints.read(f.toString()), name);
    return e;
  }

  /** A copy of a zip archive without {@code entry} (edit null) or with its content edited, deflated. */
  static byte[] rewriteZip(String path, String entry, UnaryOperator<byte[]> edit) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    boolean found = false;
    try (ZipFile in = new ZipFile(path); ZipOutputStream out = new ZipOutputStream(buf)) {
      Enumeration<? extends ZipEntry> en = in.entries();
      while (en.hasMoreElements()) {
        ZipEntry z = en.nextElement();
        byte[] data = in.getInputStream(z).readAllBytes();
        if (z.getName().equals(entry)) {
          found = true;
          if (edit == null) {
            continue;
          }
          data = edit.apply(data);
        }
        out.putNextEntry(new ZipEntry(z.getName()));
        out.write(data);
        out.closeEntry();
      }
    }
    assertTrue(found, "no entry " + entry + " in " + path);
    return buf.toByteArray();
  }
}
