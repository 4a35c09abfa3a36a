package org.otfuse.core.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The safetensors format (github.com/huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of UTF-8 JSON mapping each tensor name to {@code {"dtype", "shape",
 * "data_offsets": [begin, end]}} (offsets relative to the byte after the header) plus an optional
 * {@code "__metadata__"} object of string to string, then the little-endian, C-ordered tensor
 * bytes. Supported dtypes: {@code F32 F64 F16 BF16 I64 I32 I16 I8 U8 BOOL} (ND4J {@code FLOAT
 * DOUBLE HALF BFLOAT16 LONG INT SHORT BYTE UBYTE BOOL}).
 *
 * <p>Reading keeps the header's tensor order. Writing puts the tensors in the state dict's order,
 * back to back, and pads the header with spaces to a multiple of 8 bytes so the data is aligned,
 * as the reference implementation does. The whole file is read into memory (under 2 GiB).
 */
public final class Safetensors {

  /** The reference implementation's limit on the header size. */
  static final long MAX_HEADER = 100_000_000L;
  private static final String METADATA = "__metadata__";
  private static final JsonMapper JSON = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  private Safetensors() {}

  /**
   * Reads every tensor of the safetensors file at {@code path}, in header order.
   *
   * @throws TensorFormatException naming {@code path} for a bad header length, bad JSON, an unknown
   *     dtype or offsets that do not match the shape or lie outside the data
   */
  public static StateDict read(String path) throws IOException {
    return parse(HadoopPaths.readAllBytes(path), path);
  }

  /**
   * Reads only the header's {@code __metadata__} (empty when absent), without the tensor data.
   */
  public static Map<String, String> readMetadata(String path) throws IOException {
    try (InputStream in = HadoopPaths.open(path)) {
      byte[] len = in.readNBytes(8);
      if (len.length < 8) {
        throw new TensorFormatException(path, "not a safetensors file: only " + len.length + " bytes");
      }
      long n = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (n <= 0 || n > MAX_HEADER) {
        throw new TensorFormatException(path, "bad safetensors header length " + n);
      }
      byte[] header = in.readNBytes((int) n);
      if (header.length < n) {
        throw new TensorFormatException(path, "truncated safetensors header: it declares " + n
            + " bytes but the file has " + header.length + " after the length");
      }
      return metadata(header(header, path), path);
    }
  }

  /**
   * Writes {@code tensors} to {@code path} atomically (a temporary file renamed into place).
   *
   * @param metadata string pairs stored under {@code __metadata__}; null or empty for none (not
   *     modified)
   * @throws IllegalArgumentException naming the tensor when its dtype has no safetensors code, or a
   *     tensor is called {@code __metadata__}
   */
  public static void write(StateDict tensors, String path, Map<String, String> metadata) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    if (metadata != null && !metadata.isEmpty()) {
      ObjectNode m = header.putObject(METADATA);
      metadata.forEach(m::put);
    }
    long offset = 0;
    for (Map.Entry<String, INDArray> e : tensors.asMap().entrySet()) {
      if (e.getKey().equals(METADATA)) {
        throw new IllegalArgumentException("a tensor cannot be called " + METADATA);
      }
      INDArray t = e.getValue();
      String code = code(t.dataType(), e.getKey());
      long size = t.length() * t.dataType().width();
      ObjectNode entry = header.putObject(e.getKey());
      entry.put("dtype", code);
      ArrayNode shape = entry.putArray("shape");
      for (long d : t.shape()) {
        shape.add(d);
      }
      entry.putArray("data_offsets").add(offset).add(offset + size);
      offset += size;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    int padded = (json.length + 7) / 8 * 8;
    byte[] head = Arrays.copyOf(json, padded);
    Arrays.fill(head, json.length, padded, (byte) ' ');
    HadoopPaths.writeAtomically(path, out -> {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(head);
      for (INDArray t : tensors.asMap().values()) {
        out.write(Tensors.toBytes(t, ByteOrder.LITTLE_ENDIAN));
      }
    });
  }

  /** Whether {@code bytes} start like a safetensors file: a plausible length, then '{'. */
  static boolean looksLikeSafetensors(byte[] bytes) {
    if (bytes.length < 10) {
      return false;
    }
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    return n >= 2 && n <= MAX_HEADER && n <= bytes.length - 8 && bytes[8] == '{';
  }

  /** {@link #read} on bytes already in memory; {@code source} names them in messages. */
  static StateDict parse(byte[] bytes, String source) throws TensorFormatException {
    if (bytes.length < 8) {
      throw new TensorFormatException(source, "not a safetensors file: only " + bytes.length + " bytes");
    }
    ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    long n = buf.getLong(0);
    if (n <= 0 || n > MAX_HEADER || n > bytes.length - 8) {
      throw new TensorFormatException(source, "bad safetensors header length " + n + " (the file has "
          + bytes.length + " bytes; the header must fit in them and be at most " + MAX_HEADER + ")");
    }
    ObjectNode header = header(Arrays.copyOfRange(bytes, 8, 8 + (int) n), source);
    metadata(header, source);
    int dataStart = 8 + (int) n;
    long dataLen = bytes.length - dataStart;
    Map<String, INDArray> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> f : header.properties()) {
      String name = f.getKey();
      if (name.equals(METADATA)) {
        continue;
      }
      JsonNode e = f.getValue();
      JsonNode dtype = e.get("dtype");
      JsonNode shapeNode = e.get("shape");
      JsonNode offsets = e.get("data_offsets");
      if (!e.isObject() || dtype == null || !dtype.isTextual() || shapeNode == null || !shapeNode.isArray()
          || offsets == null || !offsets.isArray() || offsets.size() != 2) {
        throw new TensorFormatException(source, "tensor " + name + ": header entry " + e
            + " lacks dtype, shape or data_offsets [begin, end]");
      }
      DataType type = dataType(dtype.asText(), name, source);
      long[] shape = new long[shapeNode.size()];
      long count = 1;
      for (int i = 0; i < shape.length; i++) {
        JsonNode d = shapeNode.get(i);
        if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
          throw new TensorFormatException(source, "tensor " + name + ": bad shape " + shapeNode);
        }
        shape[i] = d.asLong();
        count = Math.multiplyExact(count, shape[i]);
      }
      long begin = offsets.get(0).asLong(-1);
      long end = offsets.get(1).asLong(-1);
      if (!offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber() || begin < 0 || end < begin
          || end > dataLen) {
        throw new TensorFormatException(source, "tensor " + name + ": data_offsets " + offsets
            + " lie outside the " + dataLen + " data bytes");
      }
      long need = count * type.width();
      if (end - begin != need) {
        throw new TensorFormatException(source, "tensor " + name + ": data_offsets " + offsets + " span "
            + (end - begin) + " bytes but " + dtype.asText() + " of shape " + shapeNode + " needs " + need);
      }
      ByteBuffer data = buf.slice(dataStart + (int) begin, (int) need).order(ByteOrder.LITTLE_ENDIAN);
      out.put(name, Tensors.fromBuffer(data, type, shape, 'c'));
    }
    return StateDict.of(source, out);
  }

  private static ObjectNode header(byte[] json, String source) throws TensorFormatException {
    try {
      JsonNode node = JSON.readTree(new String(json, StandardCharsets.UTF_8));
      if (node == null || !node.isObject()) {
        throw new TensorFormatException(source, "bad safetensors header: not a JSON object");
      }
      return (ObjectNode) node;
    } catch (JacksonException e) {
      throw new TensorFormatException(source, "bad safetensors header JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static Map<String, String> metadata(ObjectNode header, String source) throws TensorFormatException {
    JsonNode m = header.get(METADATA);
    if (m == null) {
      return Collections.emptyMap();
    }
    if (!m.isObject()) {
      throw new TensorFormatException(source, METADATA + " is not an object of strings: " + m);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> f : m.properties()) {
      if (!f.getValue().isTextual()) {
        throw new TensorFormatException(source, METADATA + "." + f.getKey() + " is " + f.getValue()
            + ", not a string");
      }
      out.put(f.getKey(), f.getValue().asText());
    }
    return Collections.unmodifiableMap(out);
  }

  private static DataType dataType(String code, String name, String source) throws TensorFormatException {
    switch (code) {
      case "F32": return DataType.FLOAT;
      case "F64": return DataType.DOUBLE;
      case "F16": return DataType.HALF;
      case "BF16": return DataType.BFLOAT16;
      case "I64": return DataType.LONG;
      case "I32": return DataType.INT;
      case "I16": return DataType.SHORT;
      case "I8": return DataType.BYTE;
      case "U8": return DataType.UBYTE;
      case "BOOL": return DataType.BOOL;
      default:
        throw new TensorFormatException(source, "tensor " + name + " has unsupported dtype " + code
            + " (supported: F32 F64 F16 BF16 I64 I32 I16 I8 U8 BOOL)");
    }
  }

  private static String code(DataType type, String name) {
    switch (type) {
      case FLOAT: return "F32";
      case DOUBLE: return "F64";
      case HALF: return "F16";
      case BFLOAT16: return "BF16";
      case LONG: return "I64";
      case INT: return "I32";
      case SHORT: return "I16";
      case BYTE: return "I8";
      case UBYTE: return "U8";
      case BOOL: return "BOOL";
      default:
        throw new IllegalArgumentException("tensor " + name + " has dtype " + type
            + ", which safetensors cannot hold here (supported: FLOAT DOUBLE HALF BFLOAT16 LONG INT SHORT"
            + " BYTE UBYTE BOOL)");
    }
  }
}
