package org.safehouse.server;

import java.nio.file.Path;

/**
 * The arguments of {@code serve} as a service passes them ({@code --config FILE}, {@code --data
 * DIR}, {@code --listen HOST:PORT}, each at most once, as {@code --name VALUE} or {@code
 * --name=VALUE}), read without picocli: building picocli's model of the command cost ~0.15 s of CPU
 * at every start. Anything else (help, version, an unknown or repeated option, a missing value, a
 * value that starts with '-' or '@') is left to picocli, so its usage and errors are unchanged.
 */
final class ServeArguments {
  private ServeArguments() {}

  /** The command these arguments make, or null if picocli must read them. */
  static Main.Serve parse(String[] args) {
    Main.Serve serve = new Main.Serve();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      String value;
      int eq = name.indexOf('=');
      if (eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        return null;
      }
      if (value.isEmpty() || value.startsWith("-") || value.startsWith("@")) {
        return null;
      }
      switch (name) {
        case "--data" -> {
          if (serve.data != null) {
            return null;
          }
          serve.data = value;
        }
        case "--listen" -> {
          if (serve.listen != null) {
            return null;
          }
          serve.listen = value;
        }
        case "--config" -> {
          if (serve.config != null) {
            return null;
          }
          try {
            serve.config = Path.of(value);
          } catch (java.nio.file.InvalidPathException e) {
            return null;
          }
        }
        default -> {
          return null;
        }
      }
    }
    return serve;
  }
}
