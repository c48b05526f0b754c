#!/usr/bin/env bash
# Prints the path of an executable that starts Temporal's time-skipping test server, in the form
# @temporalio/testing expects of an 'existing-path' server: `<exe> <port> [--enable-time-skipping]`.
# Order: $TEMPORAL_TEST_SERVER_PATH if set; a cached install; otherwise resolve the Java test server
# and its runtime classpath from Maven Central and write a wrapper next to them.
source "$(dirname "$0")/lib.sh"

if [[ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]]; then
  [[ -x "$TEMPORAL_TEST_SERVER_PATH" ]] || die "TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH is not an executable file"
  echo "$TEMPORAL_TEST_SERVER_PATH"; exit 0
fi

home="$ZA_CACHE_DIR/temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION"
exe="$home/temporal-test-server"
exec 9>"$home.lock"
flock 9
if [[ ! -x "$exe" ]]; then
  alt="or set TEMPORAL_TEST_SERVER_PATH to an installed test server, or TEMPORAL_TEST_SERVER_DOWNLOAD=1 to let @temporalio/testing download one"
  need java "install a Java 17+ runtime (the time-skipping test server is a Java program; e.g. apt-get install openjdk-17-jre-headless), $alt"
  need mvn "install Maven (https://maven.apache.org/download.cgi or apt-get install maven; it resolves the test server from Maven Central), $alt"
  say "resolving io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION and its classpath from Maven Central"
  rm -rf "$home.tmp" && mkdir -p "$home.tmp/lib"
  log="$ZA_CACHE_DIR/build-temporal-test-server-$TEMPORAL_TEST_SERVER_VERSION.log"
  if ! with_progress "resolving io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION" "$log" \
      mvn -q -B -f "$(dirname "$0")/test-server/pom.xml" \
      -Dtemporal.test.server.version="$TEMPORAL_TEST_SERVER_VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$home.tmp/lib"; then
    tail -20 "$log" >&2
    die "Maven could not resolve io.temporal:temporal-test-server:$TEMPORAL_TEST_SERVER_VERSION (log: $log)"
  fi
  # The SDK waits about 5 s for the port. Class-data sharing (an archive of the classes loaded
  # at start, made once here) and C1-only JIT cut the JVM's start to about a second.
  cat > "$home.tmp/temporal-test-server" <<WRAPPER
#!/usr/bin/env bash
here="\$(cd "\$(dirname "\$0")" && pwd)"
cds=()
[[ -f "\$here/app.jsa" ]] && cds=(-XX:SharedArchiveFile="\$here/app.jsa" -Xshare:auto)
exec java "\${cds[@]}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss512k -cp "\$here/lib/*" io.temporal.testserver.TestServer "\$@"
WRAPPER
  chmod +x "$home.tmp/temporal-test-server"
  rm -rf "$home" && mv "$home.tmp" "$home"
  say "making a class-data sharing archive for a fast JVM start"
  port=$(( 20000 + RANDOM % 10000 ))
  java -XX:ArchiveClassesAtExit="$home/app.jsa" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$home/lib/*" \
    io.temporal.testserver.TestServer "$port" --enable-time-skipping >/dev/null 2>&1 &
  pid=$!
  # Up to 30 s for its port; a java that already exited (broken, or no such class) ends the wait.
  for _ in $(seq 1 60); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  [[ -f "$home/app.jsa" ]] || say "no class-data sharing archive was written; the server still works, only starts slower"
fi
echo "$exe"
