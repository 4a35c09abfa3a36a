package org.otfuse.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Safetensors}. No safetensors package is installed here (neither for Debian's python3 nor
 * on PyPI's mirror), so the reference file is built by hand from the format's specification
 * (github.com/huggingface/safetensors, README "Format") rather than by the library.
 */
class SafetensorsTest {

  /** The bytes of a safetensors file: 8-byte LE header length, the header, the data. */
  private static byte[] file(String header, byte[] data) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
    out.writeBytes(h);
    out.writeBytes(data);
    return out.toByteArray();
  }

  private static byte[] le(int bytes, java.util.function.Consumer<ByteBuffer> fill) {
    ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    fill.accept(b);
    return b.array();
  }

  @Test
  void readsAHandBuiltFileInHeaderOrder(@TempDir Path dir) throws Exception {
    // "b": BF16 [2] = {1.5, -2} (bits 0x3fc0, 0xc000); "a": F32 [2, 2]; "n": I64 scalar; "z": U8 [0]
    byte[] data = le(4 + 16 + 8, b -> b.putShort((short) 0x3fc0).putShort((short) 0xc000)
        .putFloat(1f).putFloat(-0.5f).putFloat(3.25f).putFloat(1e-8f).putLong(-9_000_000_000L));
    String header = "{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[4,20]},"
        + "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[20,28]},"
        + "\"z\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[28,28]}}  ";
    Path f = dir.resolve("hand.safetensors");
    Files.write(f, file(header, data));
    StateDict sd = Safetensors.read(f.toString());
    assertEquals(List.of("b", "a", "n", "z"), List.copyOf(sd.names()));
    assertEquals(DataType.BFLOAT16, sd.get("b").dataType());
    assertArrayEquals(new float[] {1.5f, -2f}, sd.get("b").castTo(DataType.FLOAT).data().asFloat(), 0f);
    assertArrayEquals(new long[] {2, 2}, sd.get("a").shape());
    assertArrayEquals(new float[] {1f, -0.5f, 3.25f, 1e-8f}, sd.get("a").dup('c').data().asFloat(), 0f);
    assertEquals(-0.5f, sd.get("a").getFloat(0, 1), 0f);
    assertEquals(0, sd.get("n").rank());
    assertEquals(-9_000_000_000L, sd.get("n").getLong(0));
    assertArrayEquals(new long[] {0}, sd.get("z").shape());
    assertEquals(Map.of("format", "pt"), Safetensors.readMetadata(f.toString()));
    assertEquals(List.of("b", "a", "n", "z"), List.copyOf(Checkpoints.read(f.toString()).names()));
  }

  @Test
  void roundTripsEveryDtypeWithMetadata(@TempDir Path dir) throws Exception {
    INDArray base = Nd4j.createFromArray(new double[] {-3, -1.5, 0, 0.25, 1, 2.75, 100, 127}).reshape(2, 4);
    Map<String, INDArray> m = new LinkedHashMap<>();
    for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE, DataType.HALF, DataType.BFLOAT16,
        DataType.LONG, DataType.INT, DataType.SHORT, DataType.BYTE}) {
      m.put("w." + t, base.castTo(t));
    }
    m.put("u8", Nd4j.createFromArray(new int[] {0, 1, 200, 255}).castTo(DataType.UBYTE));
    m.put("mask", Nd4j.createFromArray(new boolean[] {true, false, true}));
    m.put("big", Nd4j.createFromArray(new long[] {Long.MIN_VALUE, Long.MAX_VALUE}));
    m.put("scalar", Nd4j.scalar(0.1));
    m.put("empty", Nd4j.create(DataType.FLOAT, 0, 5));
    m.put("view", Nd4j.rand(DataType.DOUBLE, 3, 4).transpose());
    StateDict sd = StateDict.of(null, m);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("paper", "Model Fusion via Optimal Transport, arXiv 1910.05653");
    Path f = dir.resolve("sub/all.safetensors");
    Safetensors.write(sd, f.toString(), meta);

    byte[] bytes = Files.readAllBytes(f);
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, n % 8, "header padded to 8 bytes");
    String head = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    String json = head.stripTrailing();
    assertTrue(json.startsWith("{\"__metadata__\":{") && json.endsWith("}"), head);
    assertTrue(head.substring(json.length()).chars().allMatch(c -> c == ' '), "padding is spaces");
    JsonNode parsed = new ObjectMapper().readTree(json);
    long next = 0;
    for (String name : sd.names()) {
      JsonNode offsets = parsed.get(name).get("data_offsets");
      assertEquals(next, offsets.get(0).asLong(), name + " starts where the previous tensor ended");
      next = offsets.get(1).asLong();
    }
    assertEquals(bytes.length - 8 - n, next, "tensors fill the data section");

    StateDict back = Safetensors.read(f.toString());
    assertEquals(List.copyOf(sd.names()), List.copyOf(back.names()));
    for (String name : sd.names()) {
      IoFixtures.assertExactly(sd.get(name), back.get(name), sd.get(name).dataType(), name);
    }
    assertEquals(Long.MIN_VALUE, back.get("big").getLong(0));
    assertEquals(255, back.get("u8").getInt(3));
    assertEquals(meta, Safetensors.readMetadata(f.toString()));
    assertEquals(List.copyOf(meta.keySet()), List.copyOf(Safetensors.readMetadata(f.toString()).keySet()));

    Path plain = dir.resolve("nometa.safetensors");
    Safetensors.write(StateDict.of(null, Map.of("x", Nd4j.scalar(1f))), plain.toString(), null);
    assertEquals(Map.of(), Safetensors.readMetadata(plain.toString()));
    assertEquals(1f, Safetensors.read(plain.toString()).get("x").getFloat(0), 0f);
  }

  @Test
  void badFilesFailNamingTheFile(@TempDir Path dir) throws Exception {
    byte[] four = le(16, b -> b.putFloat(1).putFloat(2).putFloat(3).putFloat(4));
    String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}";
    assertFails(dir, "len.safetensors", ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(1L << 40).putInt(0).array(), "bad safetensors header length 1099511627776");
    byte[] tooLong = file(ok, four);
    ByteBuffer.wrap(tooLong).order(ByteOrder.LITTLE_ENDIAN).putLong(0, tooLong.length);
    assertFails(dir, "past.safetensors", tooLong, "bad safetensors header length");
    assertFails(dir, "json.safetensors", file("{\"a\":{\"dtype\":", four), "bad safetensors header JSON");
    assertFails(dir, "dup.safetensors", file(ok.replace("}}", "},\"a\":{}}"), four), "bad safetensors header JSON");
    assertFails(dir, "outside.safetensors", file(ok.replace("[0,16]", "[8,24]"), four),
        "tensor a: data_offsets [8,24] lie outside the 16 data bytes");
    assertFails(dir, "size.safetensors", file(ok.replace("[0,16]", "[0,12]"), four),
        "tensor a: data_offsets [0,12] span 12 bytes but F32 of shape [4] needs 16");
    assertFails(dir, "dtype.safetensors", file(ok.replace("F32", "U16"), four), "unsupported dtype U16");
    assertFails(dir, "shape.safetensors", file(ok.replace("[4]", "[-4]"), four), "bad shape [-4]");
    assertFails(dir, "meta.safetensors", file(ok.replace("{\"a\"", "{\"__metadata__\":{\"k\":1},\"a\""), four),
        "__metadata__.k is 1, not a string");
    assertFails(dir, "truncated.safetensors", java.util.Arrays.copyOf(file(ok, four), 8 + ok.length() + 10),
        "lie outside the 10 data bytes");
  }

  @Test
  void writeRejectsDtypesSafetensorsCannotHold(@TempDir Path dir) {
    StateDict sd = StateDict.of(null, Map.of("u32", Nd4j.create(DataType.UINT32, 2)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Safetensors.write(sd, dir.resolve("x.safetensors").toString(), null));
    assertTrue(e.getMessage().startsWith("tensor u32 has dtype UINT32"), e.getMessage());
    assertTrue(Files.notExists(dir.resolve("x.safetensors")));
  }

  private static void assertFails(Path dir, String name, byte[] bytes, String says) throws Exception {
    Path f = dir.resolve(name);
    Files.write(f, bytes);
    TensorFormatException e = assertThrows(TensorFormatException.class, () -> Safetensors.read(f.toString()), name);
    assertTrue(e.getMessage().startsWith(f + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(says), name + ": " + e.getMessage());
  }
}
