"""Starting the JVM in process: a JDK >= 25 found the way ``./keel`` finds it, keel's jar
(built with Maven when missing or older than the sources, as ``./keel`` does), JPype."""

import glob
import os
import re
import shutil
import subprocess
import sys

import jpype

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JAR = os.path.join(REPO, "bench", "target", "keel-bench.jar")
JVM_FLAGS = ("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED")


class KeelStartError(RuntimeError):
    """No JDK 25, no Maven to build the jar, or a failed build."""


def _java_settings(java):
    """(feature version, java.home) of the java at ``java``, or None."""
    try:
        out = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True,
                             text=True, timeout=60).stderr
    except (OSError, subprocess.SubprocessError):
        return None
    version = re.search(r"^\s*java\.specification\.version = (\d+)", out, re.M)
    home = re.search(r"^\s*java\.home = (.+)$", out, re.M)
    if not version or not home:
        return None
    return int(version.group(1)), home.group(1).strip()


def find_java_home():
    """The home of the first JDK >= 25 among $JAVA_HOME, ``java`` on PATH, /usr/lib/jvm/*."""
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(on_path)
    candidates += sorted(glob.glob("/usr/lib/jvm/*/bin/java"))
    for java in candidates:
        if not os.access(java, os.X_OK):
            continue
        settings = _java_settings(java)
        if settings and settings[0] >= 25:
            return settings[1]
    raise KeelStartError("keel: no JDK 25 or newer found (looked at $JAVA_HOME, java on PATH, "
                         "/usr/lib/jvm/*); install one or set JAVA_HOME")


def _libjvm(home):
    for rel in ("lib/server/libjvm.so", "lib/server/libjvm.dylib", "bin/server/jvm.dll"):
        path = os.path.join(home, rel)
        if os.path.exists(path):
            return path
    raise KeelStartError(f"keel: no libjvm under {home}")


def _stale(jar):
    """As ./keel: the jar is missing, or a pom or a main source is newer than it."""
    if not os.path.exists(jar):
        return True
    built = os.path.getmtime(jar)
    poms = [os.path.join(REPO, "pom.xml")] + glob.glob(os.path.join(REPO, "*", "pom.xml"))
    for pom in poms:
        if os.path.getmtime(pom) > built:
            return True
    for src in glob.glob(os.path.join(REPO, "*", "src", "main")):
        for folder, _, files in os.walk(src):
            if os.path.getmtime(folder) > built:
                return True
            for f in files:
                if os.path.getmtime(os.path.join(folder, f)) > built:
                    return True
    return False


def find_jar(build=True):
    """keel's jar: $KEEL_JAR as given, else bench/target/keel-bench.jar, built when stale."""
    given = os.environ.get("KEEL_JAR")
    if given:
        if not os.path.exists(given):
            raise KeelStartError(f"keel: KEEL_JAR={given} does not exist")
        return given
    if build and _stale(JAR):
        mvn = shutil.which("mvn")
        if not mvn:
            raise KeelStartError("keel: Maven (mvn) is needed to build keel; install Maven 3.8.7 or newer")
        print("building keel...", file=sys.stderr)
        done = subprocess.run([mvn, "-B", "-DskipTests", "package", "-pl", "bench", "-am"], cwd=REPO,
                              capture_output=True, text=True)
        if done.returncode != 0:
            lines = [l for l in done.stdout.splitlines() if "ERROR" in l or "WARNING" in l][:40]
            raise KeelStartError("keel: build failed\n" + "\n".join(lines))
        os.utime(JAR)
    if not os.path.exists(JAR):
        raise KeelStartError(f"keel: {JAR} is missing (run ./keel version to build it)")
    return JAR


def _jpype_support_jar():
    """JPype's own jar, which Debian's python3-jpype keeps in /usr/share/java."""
    here = os.path.dirname(os.path.dirname(jpype.__file__))
    for path in (os.path.join(here, "org.jpype.jar"), "/usr/share/java/org.jpype.jar"):
        if os.path.exists(path):
            return path
    return None


def start(jvm_args=(), build=True):
    """Starts the JVM with keel's jar unless it runs already; returns the jar's path.

    The JVM gets ``--add-modules=jdk.incubator.vector`` (SIMD kernels) and
    ``--enable-native-access=ALL-UNNAMED`` (segments over NumPy memory), plus ``jvm_args``.
    A JVM started earlier by someone else must have keel's jar on its class path.
    """
    if jpype.isJVMStarted():
        try:
            jpype.JClass("io.keel.bench.python.EpStepTables")
        except Exception as e:  # noqa: BLE001 - any failure means keel is not on the class path
            raise KeelStartError("keel: a JVM runs already without keel's jar on its class path") from e
        return None
    home = find_java_home()
    jar = find_jar(build)
    classpath = [jar]
    support = _jpype_support_jar()
    if support:
        classpath.append(support)
    jpype.startJVM(_libjvm(home), *JVM_FLAGS, *jvm_args, classpath=classpath, convertStrings=False)
    return jar
