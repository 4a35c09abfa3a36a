package org.otfuse.core.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import net.razorvine.pickle.PickleException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.otfuse.core.io.TorchPickle.StorageRef;
import org.otfuse.core.io.TorchPickle.StorageType;
import org.otfuse.core.io.TorchPickle.TensorRef;

/**
 * Reads PyTorch {@code torch.save} files without Python, from any Hadoop path, in both formats:
 *
 * <ul>
 *   <li><b>zip</b> (PyTorch &gt;= 1.6, the default): {@code <archive>/data.pkl} holds the object,
 *       whose tensors refer by persistent id {@code ('storage', storage_type, key, location, numel)}
 *       to the raw bytes in {@code <archive>/data/<key>}, in the byte order of
 *       {@code <archive>/byteorder} (little when that entry is absent);
 *   <li><b>legacy</b> (before 1.6, or {@code _use_new_zipfile_serialization=False}): a sequence of
 *       pickles (the magic number 0x1950a86a20f9469cfc6c, protocol version 1001, sys_info, the
 *       object, the list of storage keys) followed by each listed storage as an 8-byte
 *       little-endian element count and its raw little-endian bytes. Persistent ids are
 *       {@code ('storage', storage_type, key, location, numel, view_metadata)}.
 * </ul>
 *
 * <p>Tensors are rebuilt with their storage offset and strides, so views (a transposed weight, a
 * slice, several tensors sharing one storage) come back as the values PyTorch shows; each becomes
 * its own C-ordered array. Element types: float32, float64, float16, bfloat16 (ND4J {@code FLOAT},
 * {@code DOUBLE}, {@code HALF}, {@code BFLOAT16}) and int64, int32, int16, int8, uint8, bool
 * ({@code LONG}, {@code INT}, {@code SHORT}, {@code BYTE}, {@code UBYTE}, {@code BOOL}).
 * The device a tensor was saved from ({@code location}) is ignored: everything is read to the host.
 *
 * <p>Objects of classes this reader does not model (for example the {@code argparse.Namespace}
 * the paper's training script stores under {@code args}) become {@link PythonObject}s and never
 * stop a load. The whole file is read into memory, so files must be under 2 GiB.
 */
public final class TorchCheckpoint {

  private static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
  private static final long LEGACY_PROTOCOL = 1001;
  /** Keys under which training scripts commonly nest the state dict, tried in this order. */
  private static final List<String> NESTED_KEYS = List.of("model_state_dict", "state_dict");

  private TorchCheckpoint() {}

  /**
   * An instance of a Python class this reader does not model: its class name, the arguments it was
   * constructed with and, as map entries, the attributes its pickled state set (for an
   * {@code argparse.Namespace}, its options). Any other state is in {@link #state()}.
   */
  public static final class PythonObject extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;
    private final String className;
    private final transient List<Object> args;
    private transient Object state;

    PythonObject(String className, List<Object> args) {
      this.className = className;
      this.args = new ArrayList<>(args);
    }

    /** The fully qualified Python class, for example {@code argparse.Namespace}. */
    public String className() {
      return className;
    }

    /** The constructor arguments as pickled (unmodifiable). */
    public List<Object> args() {
      return Collections.unmodifiableList(args);
    }

    /** State that was not a dict of attributes (null when there was none). */
    public Object state() {
      return state;
    }

    void setState(Object s) {
      if (s instanceof Map<?, ?> m) {
        putAll(m);
      } else if (s instanceof Object[] pair && pair.length == 2
          && (pair[0] == null || pair[0] instanceof Map) && (pair[1] == null || pair[1] instanceof Map)) {
        for (Object part : pair) {
          if (part != null) {
            putAll((Map<?, ?>) part);
          }
        }
      } else {
        state = s;
      }
    }

    @Override
    public String toString() {
      return className + super.toString();
    }
  }

  /**
   * Reads the state dict in the checkpoint at {@code path}: the top-level dict when all its values
   * are tensors, else the dict of tensors under {@code model_state_dict} or {@code state_dict}.
   *
   * @throws TensorFormatException (its message starts with {@code path}) when the file is not a
   *     complete {@code torch.save} file, or holds no such dict (the message lists the top-level keys)
   */
  public static StateDict read(String path) throws IOException {
    return parse(HadoopPaths.readAllBytes(path), path);
  }

  /**
   * Reads the whole object the checkpoint at {@code path} holds, with every tensor as an
   * {@link INDArray}: dicts as insertion-ordered {@link Map}s, lists as {@link List}s, tuples as
   * {@code Object[]}, Python ints as {@link Integer}/{@link Long}/{@link BigInteger}, floats as
   * {@link Double}, strings as {@link String} and unknown classes as {@link PythonObject}. For the
   * paper's checkpoints, {@code ((Map<?, ?>) readObject(p)).get("test_accuracy")} is 97.72.
   */
  public static Object readObject(String path) throws IOException {
    return parseObject(HadoopPaths.readAllBytes(path), path);
  }

  /** {@link #read} on bytes already in memory; {@code source} names them in messages. */
  static StateDict parse(byte[] bytes, String source) throws TensorFormatException {
    if (ZipBytes.looksLikeZip(bytes)) {
      return parseZip(ZipBytes.open(bytes, source), source);
    }
    return load(bytes, source, null).stateDict();
  }

  /** {@link #read} on a zip archive already opened. */
  static StateDict parseZip(ZipBytes zip, String source) throws TensorFormatException {
    return load(null, source, zip).stateDict();
  }

  /** {@link #readObject} on bytes already in memory. */
  static Object parseObject(byte[] bytes, String source) throws TensorFormatException {
    Loaded l = ZipBytes.looksLikeZip(bytes)
        ? load(null, source, ZipBytes.open(bytes, source))
        : load(bytes, source, null);
    return l.materializeAll();
  }

  /** Whether {@code bytes} start with the pickled legacy magic number. */
  static boolean looksLikeLegacy(byte[] bytes) {
    byte[] magic = {(byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
        (byte) 0xa8, 0x50, 0x19};
    if (bytes.length < 2 || (bytes[0] & 0xff) != 0x80) {
      return false;
    }
    for (int i = 2; i + magic.length <= Math.min(bytes.length, 24); i++) {
      if (Arrays.equals(bytes, i, i + magic.length, magic, 0, magic.length)) {
        return true;
      }
    }
    return false;
  }

  private static Loaded load(byte[] legacy, String source, ZipBytes zip) throws TensorFormatException {
    try {
      return zip != null ? loadZip(zip, source) : loadLegacy(legacy, source);
    } catch (IOException | RuntimeException e) {
      if (e instanceof TensorFormatException t) {
        throw t;
      }
      throw new TensorFormatException(source, "corrupt or truncated pickle"
          + (zip != null ? " in data.pkl" : "") + ": " + e.getMessage(), e);
    }
  }

  private static Loaded loadZip(ZipBytes zip, String source) throws IOException {
    ZipBytes.Entry pkl = null;
    for (ZipBytes.Entry e : zip.entries()) {
      String n = e.name();
      if (n.equals("data.pkl") || (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - 9)) {
        pkl = e;
        break;
      }
    }
    if (pkl == null) {
      List<String> names = new ArrayList<>();
      zip.entries().stream().limit(10).forEach(e -> names.add(e.name()));
      throw new TensorFormatException(source, "zip archive without <archive>/data.pkl, so not a torch.save"
          + " file; its entries start with " + names);
    }
    String prefix = pkl.name().substring(0, pkl.name().length() - "data.pkl".length());
    ByteOrder order = ByteOrder.LITTLE_ENDIAN;
    ZipBytes.Entry bo = zip.entry(prefix + "byteorder");
    if (bo != null) {
      String s = new String(zip.bytes(bo), StandardCharsets.US_ASCII).trim();
      if (s.equals("big")) {
        order = ByteOrder.BIG_ENDIAN;
      } else if (!s.equals("little")) {
        throw new TensorFormatException(source, prefix + "byteorder says '" + s + "' (expected little or big)");
      }
    }
    byte[] pickle = zip.bytes(pkl);
    Object root = new TorchPickle.Loader(TorchCheckpoint::storage).load(new ByteArrayInputStream(pickle));
    ByteOrder byteOrder = order;
    Storages storages = (ref, tensor) -> {
      ZipBytes.Entry e = zip.entry(prefix + "data/" + ref.key());
      if (e == null) {
        throw new TensorFormatException(source, "storage " + ref.key() + " of tensor " + tensor
            + " is missing: no zip entry " + prefix + "data/" + ref.key());
      }
      return zip.data(e).order(byteOrder);
    };
    return new Loaded(source, root, storages);
  }

  private static Loaded loadLegacy(byte[] bytes, String source) throws IOException {
    if (!looksLikeLegacy(bytes)) {
      String head = bytes.length == 0 ? "the file is empty"
          : (bytes.length < 24 ? "the file has only " + bytes.length + " bytes: " : "first bytes ")
              + HexFormat.ofDelimiter(" ").formatHex(bytes, 0, Math.min(bytes.length, 16));
      throw new TensorFormatException(source, "not a torch.save file: neither a zip archive nor a legacy"
          + " pickle starting with the magic number 0x1950a86a20f9469cfc6c (" + head + ")");
    }
    Positioned in = new Positioned(bytes);
    Object magic = new TorchPickle.Loader(null).load(in);
    if (!(magic instanceof Number n) || !MAGIC.equals(new BigInteger(n.toString()))) {
      throw new TensorFormatException(source, "bad magic number " + magic + " (expected 0x1950a86a20f9469cfc6c)");
    }
    Object protocol = new TorchPickle.Loader(null).load(in);
    if (!(protocol instanceof Number p) || p.longValue() != LEGACY_PROTOCOL) {
      throw new TensorFormatException(source, "unsupported legacy protocol version " + protocol
          + " (expected " + LEGACY_PROTOCOL + ")");
    }
    new TorchPickle.Loader(null).load(in); // sys_info: storages are little-endian whatever it says
    Map<String, StorageRef> roots = new LinkedHashMap<>();
    Object root = new TorchPickle.Loader(pid -> {
      StorageRef ref = storage(pid);
      if (pid.length > 5 && pid[5] instanceof Object[] view && view.length >= 3) {
        // (view_key, offset, view_size) over the root storage named by ref.key()
        long rootNumel = ref.numel();
        roots.putIfAbsent(ref.key(), new StorageRef(ref.key(), ref.dtype(), ref.typeName(), rootNumel, 0));
        return new StorageRef(ref.key(), ref.dtype(), ref.typeName(),
            TorchPickle.number(view[2], "view size"), TorchPickle.number(view[1], "view offset"));
      }
      roots.putIfAbsent(ref.key(), ref);
      return ref;
    }).load(in);
    Object keys = new TorchPickle.Loader(null).load(in);
    if (!(keys instanceof List<?> keyList)) {
      throw new TensorFormatException(source, "the storage key list is " + TorchPickle.describe(keys)
          + ", not a list");
    }
    Map<String, ByteBuffer> data = new LinkedHashMap<>();
    ByteBuffer file = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int pos = in.position();
    for (Object k : keyList) {
      String key = String.valueOf(k);
      StorageRef ref = roots.get(key);
      if (ref == null) {
        throw new TensorFormatException(source, "storage " + key + " is listed but no tensor uses it,"
            + " so its element size is unknown");
      }
      if (pos + 8 > bytes.length) {
        throw new TensorFormatException(source, "truncated: storage " + key + " should start at byte " + pos
            + " but the file has " + bytes.length + " bytes");
      }
      long count = file.getLong(pos);
      long need = count * ref.dtype().width();
      if (count < 0 || pos + 8 + need > bytes.length) {
        throw new TensorFormatException(source, "truncated: storage " + key + " (" + count + " elements of "
            + ref.typeName() + ") needs " + need + " bytes at byte " + (pos + 8) + " but the file has "
            + bytes.length + " bytes");
      }
      data.put(key, file.slice(pos + 8, (int) need).order(ByteOrder.LITTLE_ENDIAN));
      pos += 8 + (int) need;
    }
    Storages storages = (ref, tensor) -> {
      ByteBuffer b = data.get(ref.key());
      if (b == null) {
        throw new TensorFormatException(source, "storage " + ref.key() + " of tensor " + tensor
            + " is missing from the file (not in its storage key list)");
      }
      // A legacy storage view covers numel elements from viewOffset of its root; a root covers it all.
      // Shortness is reported by the tensor that needs the missing elements.
      long width = ref.dtype().width();
      long from = Math.min(ref.viewOffset() * width, b.remaining());
      long len = Math.min(ref.numel() * width, b.remaining() - from);
      return b.slice((int) from, (int) len).order(ByteOrder.LITTLE_ENDIAN);
    };
    return new Loaded(source, root, storages);
  }

  private static StorageRef storage(Object[] pid) {
    if (pid.length < 5 || !"storage".equals(pid[0])) {
      throw new PickleException("unsupported persistent id " + Arrays.deepToString(pid)
          + " (expected ('storage', storage_type, key, location, numel))");
    }
    if (!(pid[1] instanceof StorageType type)) {
      throw new PickleException("unsupported storage type " + typeName(pid[1]) + " (supported: Float, Double,"
          + " Half, BFloat16, Long, Int, Short, Char, Byte and Bool storages)");
    }
    return new StorageRef(String.valueOf(pid[2]), type.dtype(), type.name(),
        TorchPickle.number(pid[4], "storage numel"), 0);
  }

  private static String typeName(Object o) {
    if (o instanceof net.razorvine.pickle.IObjectConstructor c) {
      try {
        Object made = c.construct(new Object[0]);
        if (made instanceof PythonObject p) {
          return p.className();
        }
      } catch (RuntimeException e) {
        // fall through
      }
    }
    return TorchPickle.describe(o);
  }

  /** Finds the bytes of a storage; {@code tensor} names the tensor that needs it, for messages. */
  @FunctionalInterface
  private interface Storages {
    ByteBuffer bytes(StorageRef ref, String tensor) throws TensorFormatException;
  }

  /** An unpickled object graph whose tensors still point into the file's storages. */
  private static final class Loaded {
    private final String source;
    private final Object root;
    private final Storages storages;
    private final Map<TensorRef, INDArray> done = new IdentityHashMap<>();

    Loaded(String source, Object root, Storages storages) {
      this.source = source;
      this.root = root;
      this.storages = storages;
    }

    INDArray tensor(TensorRef t, String name) throws TensorFormatException {
      INDArray a = done.get(t);
      if (a == null) {
        ByteBuffer b = storages.bytes(t.storage(), name);
        try {
          a = Tensors.fromStrided(b, t.storage().dtype(), t.offset(), t.shape(), t.stride());
        } catch (IllegalArgumentException | ArithmeticException e) {
          throw new TensorFormatException(source, "tensor " + name + " (" + t.storage().typeName() + ", shape "
              + Arrays.toString(t.shape()) + ") does not fit storage " + t.storage().key() + ": "
              + e.getMessage(), e);
        }
        done.put(t, a);
      }
      return a;
    }

    StateDict stateDict() throws TensorFormatException {
      if (!(root instanceof Map<?, ?> top)) {
        throw new TensorFormatException(source, "the checkpoint holds " + TorchPickle.describe(root)
            + ", not a dict of tensors");
      }
      Map<?, ?> dict = top;
      String where = "";
      if (!allTensors(top)) {
        dict = null;
        for (String k : NESTED_KEYS) {
          if (top.get(k) instanceof Map<?, ?> inner) {
            dict = inner;
            where = k;
            break;
          }
        }
        if (dict == null) {
          throw new TensorFormatException(source, "no state_dict found: expected a dict of tensors or a dict"
              + " with " + NESTED_KEYS + " holding one, but the top-level dict has keys " + keys(top));
        }
      }
      Map<String, INDArray> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : dict.entrySet()) {
        String name = where.isEmpty() ? String.valueOf(e.getKey()) : where + "['" + e.getKey() + "']";
        if (!(e.getKey() instanceof String key) || !(e.getValue() instanceof TensorRef t)) {
          throw new TensorFormatException(source, "not a state_dict: " + name + " is "
              + TorchPickle.describe(e.getValue()) + ", not a tensor");
        }
        out.put(key, tensor(t, key));
      }
      return StateDict.of(source, out);
    }

    Object materializeAll() throws TensorFormatException {
      return walk(root, "", Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    @SuppressWarnings("unchecked")
    private Object walk(Object o, String path, Set<Object> seen) throws TensorFormatException {
      if (o instanceof TensorRef t) {
        return tensor(t, path.isEmpty() ? "(top level)" : path);
      }
      if (o == null || o instanceof String || o instanceof Number || o instanceof Boolean || !seen.add(o)) {
        return o;
      }
      if (o instanceof Map<?, ?> m) {
        for (Map.Entry<Object, Object> e : ((Map<Object, Object>) m).entrySet()) {
          e.setValue(walk(e.getValue(), join(path, String.valueOf(e.getKey())), seen));
        }
        if (o instanceof TorchPickle.PyOrderedDict d && d.attributes != null) {
          d.attributes = walk(d.attributes, join(path, "_metadata"), seen);
        }
        if (o instanceof PythonObject p) {
          for (int i = 0; i < p.args.size(); i++) {
            p.args.set(i, walk(p.args.get(i), join(path, "arg" + i), seen));
          }
          p.state = walk(p.state, join(path, "state"), seen);
        }
      } else if (o instanceof List<?> l) {
        List<Object> list = (List<Object>) l;
        for (int i = 0; i < list.size(); i++) {
          list.set(i, walk(list.get(i), path + "[" + i + "]", seen));
        }
      } else if (o instanceof Object[] a) {
        for (int i = 0; i < a.length; i++) {
          a[i] = walk(a[i], path + "[" + i + "]", seen);
        }
      }
      return o;
    }

    private static String join(String path, String key) {
      return path.isEmpty() ? key : path + "/" + key;
    }

    private static boolean allTensors(Map<?, ?> m) {
      for (Object v : m.values()) {
        if (!(v instanceof TensorRef)) {
          return false;
        }
      }
      return true;
    }

    private static List<String> keys(Map<?, ?> m) {
      List<String> k = new ArrayList<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        k.add(e.getKey() + " (" + TorchPickle.describe(e.getValue()) + ")");
      }
      return k;
    }
  }

  /** A byte-array stream that tells how far the unpickler has read. */
  private static final class Positioned extends ByteArrayInputStream {
    Positioned(byte[] bytes) {
      super(bytes);
    }

    int position() {
      return pos;
    }
  }
}
