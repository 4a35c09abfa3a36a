package org.otfuse.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NpzTest {

  @Test
  void readsNumpySavezInEntryOrder() throws Exception {
    // numpy.savez writes stored ZIP64 entries; make_torch_fixtures.py wrote this one.
    StateDict sd = Npz.read(IoFixtures.path("torch_expected.npz"));
    assertEquals(IoFixtures.expectedTensors().stream().map(IoFixtures.Expected::name).toList(),
        List.copyOf(sd.names()));
    assertEquals(DataType.FLOAT, sd.get("fc1.weight").dataType());
    assertArrayEquals(new long[] {4, 3}, sd.get("fc1.weight").shape());
    assertEquals(DataType.FLOAT, sd.get("bf16").dataType(), "bfloat16 saved as float32");
    assertEquals(DataType.HALF, sd.get("half").dataType());
    assertEquals(7L, sd.get("bn1.num_batches_tracked").getLong(0));
  }

  @Test
  void readsNumpySavezCompressed() throws Exception {
    StateDict sd = Npz.read(IoFixtures.path("npz_compressed.npz"));
    assertEquals(List.of("w", "idx"), List.copyOf(sd.names()));
    // Values printed by numpy 1.24 for default_rng(7).standard_normal((3, 4)).astype(float32):
    assertEquals(0.001230153371579945, sd.get("w").getFloat(0, 0), 0.0);
    assertEquals(1.3402152061462402, sd.get("w").getFloat(1, 3), 0.0);
    assertEquals(0.35688701272010803, sd.get("w").getFloat(2, 3), 0.0);
    assertArrayEquals(new long[] {0, 1, 2, 3, 4}, sd.get("idx").data().asLong());
  }

  @Test
  void roundTripsEveryNpyDtype(@TempDir Path dir) throws Exception {
    INDArray base = Nd4j.createFromArray(new double[] {-3, -1.5, 0, 0.25, 1, 2.75, 100, 127}).reshape(2, 2, 2);
    Map<String, INDArray> m = new LinkedHashMap<>();
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF, DataType.LONG,
        DataType.INT, DataType.SHORT, DataType.BYTE}) {
      m.put("layer." + t + ".weight", base.castTo(t));
    }
    m.put("u8", Nd4j.createFromArray(new int[] {0, 255}).castTo(DataType.UBYTE));
    m.put("mask", Nd4j.createFromArray(new boolean[] {false, true}));
    m.put("scalar", Nd4j.scalar(4.5f));
    m.put("view", Nd4j.rand(DataType.FLOAT, 3, 5).transpose());
    StateDict sd = StateDict.of(null, m);
    Path f = dir.resolve("all.npz");
    Npz.write(sd, f.toString());
    StateDict back = Npz.read(f.toString());
    assertEquals(f.toString(), back.source());
    assertEquals(List.copyOf(sd.names()), List.copyOf(back.names()));
    for (String name : sd.names()) {
      IoFixtures.assertExactly(sd.get(name), back.get(name), sd.get(name).dataType(), name);
    }
    Path again = dir.resolve("again.npz");
    Npz.write(sd, again.toString());
    assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(again), "equal inputs give equal files");
  }

  @Test
  void writeRejectsBfloat16NamingTheTensor(@TempDir Path dir) {
    StateDict sd = StateDict.of(null, Map.of("bn.weight", Nd4j.ones(DataType.BFLOAT16, 2)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Npz.write(sd, dir.resolve("x.npz").toString()));
    assertTrue(e.getMessage().startsWith("tensor bn.weight: "), e.getMessage());
    assertTrue(Files.notExists(dir.resolve("x.npz")));
  }

  @Test
  void corruptArchivesFailNamingFileAndEntry(@TempDir Path dir) throws Exception {
    byte[] ok = Files.readAllBytes(Path.of(IoFixtures.path("torch_expected.npz")));
    Path cut = dir.resolve("cut.npz");
    Files.write(cut, Arrays.copyOf(ok, ok.length / 2));
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> Npz.read(cut.toString()));
    assertTrue(e.getMessage().startsWith(cut + ": truncated or corrupt zip archive"), e.getMessage());

    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(buf)) {
      z.putNextEntry(new ZipEntry("w.npy"));
      byte[] npy = Npy.toBytes(Nd4j.rand(DataType.FLOAT, 4, 4));
      z.write(Arrays.copyOf(npy, npy.length - 8));
      z.closeEntry();
    }
    Path shortNpy = dir.resolve("short.npz");
    Files.write(shortNpy, buf.toByteArray());
    e = assertThrows(TensorFormatException.class, () -> Npz.read(shortNpy.toString()));
    assertTrue(e.getMessage().startsWith(shortNpy + "!w.npy: truncated .npy data"), e.getMessage());

    Path notZip = dir.resolve("plain.npz");
    Files.write(notZip, new byte[] {1, 2, 3, 4, 5});
    e = assertThrows(TensorFormatException.class, () -> Npz.read(notZip.toString()));
    assertTrue(e.getMessage().startsWith(notZip + ": not a .npz file"), e.getMessage());
  }
}
