package org.otfuse.core.sweep;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValue;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads otfuse configuration: a HOCON file, command-line overrides on top, the defaults of
 * {@code reference.conf} (root {@code otfuse}) below; then checks it. Resolved once, on the driver.
 *
 * <p>Checks: every key under {@code otfuse} must exist in reference.conf (except inside the
 * free-form maps {@link #FREE_FORM}); the file may hold no root other than {@code otfuse}; every
 * value must have the type of its default ({@link Config#checkValid}). Failures are
 * {@link IllegalArgumentException}s naming the key, the file and line that set it, and the rule.
 */
public final class OtfuseConfig {
  /** The root of every otfuse key. */
  public static final String ROOT = "otfuse";
  /** Paths under {@link #ROOT} whose sub-keys are free-form. */
  public static final List<String> FREE_FORM = List.of("spark-conf", "hadoop");

  private OtfuseConfig() {}

  /** The defaults alone (reference.conf on the classpath), resolved. */
  public static Config reference() {
    return ConfigFactory.parseResources(OtfuseConfig.class.getClassLoader(), "reference.conf").resolve();
  }

  /**
   * Loads {@code file} (null for defaults only) with {@code overrides} ({@code KEY=VALUE}, the
   * {@code otfuse.} prefix optional, values in HOCON syntax) taking precedence.
   *
   * @return the resolved, checked configuration (root {@code otfuse})
   */
  public static Config load(String file, List<String> overrides) {
    Config user = ConfigFactory.empty();
    if (file != null) {
      File f = new File(file);
      if (!f.isFile()) {
        throw new IllegalArgumentException("configuration file " + file + " does not exist");
      }
      try {
        user = ConfigFactory.parseFile(f, ConfigParseOptions.defaults().setAllowMissing(false));
      } catch (ConfigException e) {
        throw new IllegalArgumentException("cannot parse " + file + ": " + e.getMessage(), e);
      }
    }
    for (String o : overrides) {
      user = override(o).withFallback(user);
    }
    return check(user);
  }

  /** Parses one {@code KEY=VALUE} override into a config (origin "command line"). */
  static Config override(String kv) {
    int eq = kv.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("override '" + kv + "' is not KEY=VALUE");
    }
    String key = kv.substring(0, eq).trim();
    String value = kv.substring(eq + 1).trim();
    if (!key.startsWith(ROOT + ".")) {
      key = ROOT + "." + key;
    }
    // Lists and objects are HOCON; anything else is taken as a string (HOCON would read
    // s3a://b/p as "s3a:" followed by a comment). Typesafe Config converts strings to numbers and
    // booleans where the key needs one.
    boolean structured = value.startsWith("[") || value.startsWith("{") || value.startsWith("\"");
    String rendered = structured ? value : com.typesafe.config.ConfigValueFactory.fromAnyRef(value).render();
    try {
      return ConfigFactory.parseString(key + " = " + rendered,
          ConfigParseOptions.defaults().setOriginDescription("command line " + kv));
    } catch (ConfigException e) {
      throw new IllegalArgumentException("cannot parse override '" + kv + "': " + e.getMessage(), e);
    }
  }

  /** Merges {@code user} over the defaults after checking its keys and types; resolves substitutions. */
  public static Config check(Config user) {
    Config ref = reference();
    for (String root : user.root().keySet()) {
      if (!root.equals(ROOT)) {
        ConfigValue v = user.root().get(root);
        throw new IllegalArgumentException("unknown key '" + root + "' (" + v.origin().description()
            + "): every otfuse setting lives under '" + ROOT + "'");
      }
    }
    Config merged;
    try {
      merged = user.withFallback(ref).resolve(ConfigResolveOptions.defaults().setAllowUnresolved(false));
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    if (user.hasPath(ROOT)) {
      for (Map.Entry<String, ConfigValue> e : user.getConfig(ROOT).entrySet()) {
        String key = e.getKey();
        if (FREE_FORM.stream().anyMatch(f -> key.startsWith(f + "."))) {
          continue;
        }
        if (!ref.hasPathOrNull(ROOT + "." + key)) {
          throw new IllegalArgumentException("unknown key '" + ROOT + "." + key + "' ("
              + e.getValue().origin().description() + "); " + suggestions(ref, key));
        }
      }
    }
    try {
      merged.checkValid(ref, ROOT);
    } catch (ConfigException.ValidationFailed e) {
      List<String> problems = new ArrayList<>();
      for (ConfigException.ValidationProblem p : e.problems()) {
        problems.add(p.path() + " (" + p.origin().description() + "): " + p.problem());
      }
      throw new IllegalArgumentException("invalid configuration: " + String.join("; ", problems), e);
    }
    return merged;
  }

  private static String suggestions(Config ref, String key) {
    int dot = key.lastIndexOf('.');
    String parent = dot < 0 ? "" : key.substring(0, dot);
    Config scope = parent.isEmpty() ? ref.getConfig(ROOT) : ref.hasPath(ROOT + "." + parent)
        ? ref.getConfig(ROOT + "." + parent) : null;
    if (scope == null) {
      return "'" + ROOT + "." + parent + "' is not a section of reference.conf either";
    }
    TreeSet<String> known = new TreeSet<>(scope.root().keySet());
    return "known keys under '" + ROOT + (parent.isEmpty() ? "" : "." + parent) + "': " + known;
  }
}
