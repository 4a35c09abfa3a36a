package org.otfuse.core.io;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;
import net.razorvine.pickle.objects.ClassDict;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The pickle side of {@code torch.save} files: an {@link Unpickler} that keeps Python's dict order,
 * resolves PyTorch's globals to descriptors ({@link StorageRef}, {@link TensorRef}) instead of data,
 * and turns every class it does not know into a {@link TorchCheckpoint.PythonObject}, so that
 * whatever else a checkpoint holds (argparse namespaces, numpy scalars, optimiser state) never
 * stops a load. Tensor data is attached afterwards by {@link TorchCheckpoint}.
 *
 * <p>PyTorch's globals are resolved from a private table, not registered with
 * {@link Unpickler#registerConstructor}: that table is static and shared by every unpickler in the
 * JVM (Spark's Python bridge uses it too), and registering into it is not thread-safe.
 */
final class TorchPickle {

  private TorchPickle() {}

  /** A storage named by a persistent id: its key, element type and (for legacy views) its slice. */
  record StorageRef(String key, DataType dtype, String typeName, long numel, long viewOffset) {}

  /** A tensor as {@code torch._utils._rebuild_tensor_v2} describes it; no data yet. */
  record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
    @Override
    public String toString() {
      return "tensor(" + storage.typeName() + ", shape " + Arrays.toString(shape) + ")";
    }
  }

  /** A storage class such as {@code torch.FloatStorage}: appears only inside persistent ids. */
  record StorageType(String name, DataType dtype) implements IObjectConstructor {
    @Override
    public Object construct(Object[] args) {
      throw new PickleException("cannot construct a " + name + " outside a persistent id");
    }
  }

  /** {@code collections.OrderedDict}: an ordered map whose instance attributes are kept aside. */
  static final class PyOrderedDict extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;
    transient Object attributes;
  }

  private static final Map<String, IObjectConstructor> GLOBALS = globals();

  private static Map<String, IObjectConstructor> globals() {
    Map<String, IObjectConstructor> g = new HashMap<>();
    Object[][] storages = {
        {"FloatStorage", DataType.FLOAT}, {"DoubleStorage", DataType.DOUBLE},
        {"HalfStorage", DataType.HALF}, {"BFloat16Storage", DataType.BFLOAT16},
        {"LongStorage", DataType.LONG}, {"IntStorage", DataType.INT}, {"ShortStorage", DataType.SHORT},
        {"CharStorage", DataType.BYTE}, {"ByteStorage", DataType.UBYTE}, {"BoolStorage", DataType.BOOL}};
    for (Object[] s : storages) {
      for (String module : new String[] {"torch", "torch.cuda"}) {
        String name = module + "." + s[0];
        g.put(name, new StorageType(name, (DataType) s[1]));
      }
    }
    IObjectConstructor rebuildTensor = args -> tensor(args, "torch._utils._rebuild_tensor_v2");
    g.put("torch._utils._rebuild_tensor_v2", rebuildTensor);
    g.put("torch._utils._rebuild_tensor", args -> tensor(args, "torch._utils._rebuild_tensor"));
    g.put("torch._utils._rebuild_parameter", args -> arg(args, 0, "torch._utils._rebuild_parameter"));
    g.put("torch._utils._rebuild_parameter_with_state",
        args -> arg(args, 0, "torch._utils._rebuild_parameter_with_state"));
    IObjectConstructor fromType = args -> {
      if (args.length < 3 || !(args[0] instanceof IObjectConstructor) || !(args[2] instanceof Object[])) {
        throw new PickleException("torch._tensor._rebuild_from_type_v2 expects (func, type, args, state)");
      }
      return ((IObjectConstructor) args[0]).construct((Object[]) args[2]);
    };
    g.put("torch._tensor._rebuild_from_type_v2", fromType);
    g.put("torch._tensor._rebuild_from_type", fromType);
    g.put("torch.Size", args -> args.length == 0 ? new Object[0] : args[0]);
    g.put("collections.OrderedDict", args -> {
      PyOrderedDict d = new PyOrderedDict();
      if (args.length > 0 && args[0] instanceof List<?> items) {
        for (Object item : items) {
          if (item instanceof Object[] kv && kv.length == 2) {
            d.put(kv[0], kv[1]);
          }
        }
      }
      return d;
    });
    return Collections.unmodifiableMap(g);
  }

  private static Object arg(Object[] args, int i, String what) {
    if (args.length <= i) {
      throw new PickleException(what + " called with " + args.length + " arguments");
    }
    return args[i];
  }

  private static TensorRef tensor(Object[] args, String what) {
    if (args.length < 4) {
      throw new PickleException(what + " called with " + args.length + " arguments, expected at least 4");
    }
    if (!(args[0] instanceof StorageRef storage)) {
      throw new PickleException(what + ": the first argument is " + describe(args[0]) + ", not a storage");
    }
    return new TensorRef(storage, number(args[1], "storage_offset"), longs(args[2], "size"),
        longs(args[3], "stride"));
  }

  static long number(Object o, String what) {
    if (o instanceof Number n && !(o instanceof Double) && !(o instanceof Float)) {
      return n.longValue();
    }
    throw new PickleException(what + " is " + describe(o) + ", not an integer");
  }

  private static long[] longs(Object o, String what) {
    List<?> list;
    if (o instanceof Object[] a) {
      list = Arrays.asList(a);
    } else if (o instanceof List<?> l) {
      list = l;
    } else {
      throw new PickleException(what + " is " + describe(o) + ", not a tuple");
    }
    long[] out = new long[list.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = number(list.get(i), what);
    }
    return out;
  }

  /** A short description of an unpickled value's type for error messages. */
  static String describe(Object o) {
    if (o == null) {
      return "None";
    }
    if (o instanceof TensorRef || o instanceof org.nd4j.linalg.api.ndarray.INDArray) {
      return "a tensor";
    }
    if (o instanceof TorchCheckpoint.PythonObject p) {
      return "a " + p.className() + " object";
    }
    if (o instanceof ClassDict c) {
      return "a " + c.getClassName() + " object";
    }
    if (o instanceof Map) {
      return "a dict";
    }
    if (o instanceof List) {
      return "a list";
    }
    if (o instanceof Object[]) {
      return "a tuple";
    }
    if (o instanceof String) {
      return "a str";
    }
    return "a " + o.getClass().getSimpleName();
  }

  /**
   * An unpickler for one pickle of a {@code torch.save} file. Not thread-safe; make one per pickle.
   */
  static final class Loader extends Unpickler {
    private final Function<Object[], Object> persistent;

    /**
     * @param persistent maps a persistent id tuple to the object it stands for; null when the pickle
     *     must not contain persistent ids
     */
    Loader(Function<Object[], Object> persistent) {
      this.persistent = persistent;
    }

    @Override
    protected Object persistentLoad(Object pid) {
      if (persistent == null) {
        throw new PickleException("unexpected persistent id " + describe(pid));
      }
      if (!(pid instanceof Object[] tuple)) {
        throw new PickleException("persistent id is " + describe(pid) + ", not a tuple");
      }
      return persistent.apply(tuple);
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
      switch (key) {
        case Opcodes.EMPTY_DICT:
          stack.add(new LinkedHashMap<Object, Object>());
          return NO_RETURN_VALUE;
        case Opcodes.DICT: {
          List<Object> items = stack.pop_all_since_marker();
          Map<Object, Object> map = new LinkedHashMap<>();
          putPairs(map, items);
          stack.add(map);
          return NO_RETURN_VALUE;
        }
        case Opcodes.SETITEM: {
          Object value = stack.pop();
          Object k = stack.pop();
          target().put(k, value);
          return NO_RETURN_VALUE;
        }
        case Opcodes.SETITEMS: {
          List<Object> items = stack.pop_all_since_marker();
          putPairs(target(), items);
          return NO_RETURN_VALUE;
        }
        case Opcodes.BUILD: {
          Object state = stack.pop();
          build(stack.peek(), state);
          return NO_RETURN_VALUE;
        }
        case Opcodes.GLOBAL: {
          String module = PickleUtils.readline(input);
          String name = PickleUtils.readline(input);
          stack.add(resolve(module, name));
          return NO_RETURN_VALUE;
        }
        case Opcodes.STACK_GLOBAL: {
          Object name = stack.pop();
          Object module = stack.pop();
          stack.add(resolve(String.valueOf(module), String.valueOf(name)));
          return NO_RETURN_VALUE;
        }
        default:
          return super.dispatch(key);
      }
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> target() {
      Object top = stack.peek();
      if (!(top instanceof Map)) {
        throw new PickleException("SETITEM on " + describe(top) + ", not a dict");
      }
      return (Map<Object, Object>) top;
    }

    private static void putPairs(Map<Object, Object> map, List<Object> items) {
      if (items.size() % 2 != 0) {
        throw new PickleException("odd number of items (" + items.size() + ") for a dict");
      }
      for (int i = 0; i < items.size(); i += 2) {
        map.put(items.get(i), items.get(i + 1));
      }
    }

    private static IObjectConstructor resolve(String module, String name) {
      String full = module + "." + name;
      IObjectConstructor c = GLOBALS.get(full);
      if (c == null) {
        c = objectConstructors.get(full);
      }
      return c != null ? c : args -> new TorchCheckpoint.PythonObject(full, Arrays.asList(args));
    }

    private static void build(Object target, Object state) {
      if (target instanceof PyOrderedDict d) {
        d.attributes = state;
      } else if (target instanceof TorchCheckpoint.PythonObject p) {
        p.setState(state);
      } else if (target instanceof TensorRef || target instanceof StorageRef) {
        // Tensor subclasses and parameters may carry Python attributes; a state dict does not need them.
      } else if (state != null) {
        try {
          Method m = target.getClass().getMethod("__setstate__", state.getClass());
          m.invoke(target, state);
        } catch (ReflectiveOperationException | RuntimeException e) {
          // An object of a class we do not model: its state is not needed to read tensors.
        }
      }
    }
  }
}
