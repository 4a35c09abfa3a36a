package org.otfuse.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otfuse.core.testing.Fixtures;

/** {@link Checkpoints} picks the format from the content, whatever the file is called. */
class CheckpointsTest {

  @Test
  void sniffsEveryFormatByContent(@TempDir Path dir) throws Exception {
    List<String> names = IoFixtures.expectedTensors().stream().map(IoFixtures.Expected::name).toList();
    // Misleading extensions on purpose: only the bytes count.
    for (String fixture : new String[] {"torch_zip.pt", "torch_legacy.pt", "torch_wrapped.pt", "torch_expected.npz"}) {
      Path copy = dir.resolve(fixture + ".bin");
      Files.copy(Path.of(IoFixtures.path(fixture)), copy);
      StateDict sd = Checkpoints.read(copy.toString());
      assertEquals(names, List.copyOf(sd.names()), fixture);
      assertEquals(copy.toString(), sd.source());
      assertEquals(7L, sd.get("bn1.num_batches_tracked").getLong(0), fixture);
    }
    StateDict paper = Checkpoints.read(Fixtures.path("otfusion-mnist/checkpoints/model_0/final.checkpoint"));
    assertEquals(List.of("fc1.weight", "fc2.weight", "fc3.weight", "fc4.weight"), List.copyOf(paper.names()));

    StateDict torch = TorchCheckpoint.read(IoFixtures.path("torch_zip.pt"));
    Path st = dir.resolve("model.pt");
    Safetensors.write(torch, st.toString(), Map.of("from", "torch_zip.pt"));
    StateDict viaSt = Checkpoints.read(st.toString());
    for (String name : names) {
      IoFixtures.assertExactly(torch.get(name), viaSt.get(name), torch.get(name).dataType(), name);
    }

    String npy = Fixtures.path("otfusion-mnist/checkpoints/model_0/fc4.weight.npy");
    StateDict single = Checkpoints.read(npy);
    assertEquals(List.of("fc4.weight"), List.copyOf(single.names()));
    assertTrue(Npy.read(npy).equals(single.get("fc4.weight")));
    assertTrue(paper.get("fc4.weight").equals(single.get("fc4.weight")));
  }

  @Test
  void unknownContentShowsItsFirstBytes(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("weights.pt");
    Files.writeString(f, "garbage, not weights");
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> Checkpoints.read(f.toString()));
    assertTrue(e.getMessage().startsWith(f + ": unknown checkpoint format"), e.getMessage());
    assertTrue(e.getMessage().endsWith("first bytes: 67 61 72 62 61 67 65 2c 20 6e 6f 74 20 77 65 69"),
        e.getMessage());
    Path empty = dir.resolve("empty.pt");
    Files.write(empty, new byte[0]);
    e = assertThrows(TensorFormatException.class, () -> Checkpoints.read(empty.toString()));
    assertTrue(e.getMessage().endsWith("the file is empty"), e.getMessage());
  }

  @Test
  void zipWithNeitherDataPklNorNpyIsRejected(@TempDir Path dir) throws Exception {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(buf)) {
      z.putNextEntry(new ZipEntry("readme.txt"));
      z.write("hello".getBytes());
      z.closeEntry();
    }
    Path f = dir.resolve("x.zip");
    Files.write(f, buf.toByteArray());
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> Checkpoints.read(f.toString()));
    assertTrue(e.getMessage().startsWith(f + ": zip archive with neither"), e.getMessage());
    assertTrue(e.getMessage().contains("[readme.txt]"), e.getMessage());
  }

  @Test
  void stemDropsDirectoriesAndTheLastExtension() {
    assertEquals("fc1.weight", Checkpoints.stem("s3a://bucket/m/fc1.weight.npy"));
    assertEquals("w", Checkpoints.stem("w"));
    assertEquals(".hidden", Checkpoints.stem("/tmp/.hidden"));
  }
}
