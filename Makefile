# segment-totango: the two commands a user needs are `make run` and `make test`.
MVN ?= mvn -B -q
JAR := target/segment-totango.jar
# JVM options of the bundle (make run, make bench); the README's opening section says why.
JAVA_OPTS ?= -Xms128m -Xmx256m

.PHONY: run test package clean bench bench-smoke

## Builds the bundle and runs it in the foreground (settings: config/application.properties, routes: routes/).
run: package
	java $(JAVA_OPTS) -jar $(JAR)

## Runs every test: mapping unit tests and the end-to-end tests through the real routes.
test:
	mvn -B -ntp test

## Builds target/segment-totango.jar (run it from this folder: it reads config/ and routes/ from here).
package: $(JAR)

$(JAR): pom.xml $(shell find src/main -type f)
	$(MVN) -DskipTests package

## Measures the bundle against a local Totango sink and a bare Vert.x baseline (about 4 minutes);
## prints a table and writes bench/results/<date>.md. Not part of the tests.
bench: package target/bench.classpath
	java "-Dbench.java-opts=$(JAVA_OPTS)" -cp target/test-classes:target/classes:$$(cat target/bench.classpath) io.github.segmenttotango.bench.Bench

## The same in seconds, to check the benchmark still works.
bench-smoke: package target/bench.classpath
	java "-Dbench.java-opts=$(JAVA_OPTS)" -cp target/test-classes:target/classes:$$(cat target/bench.classpath) io.github.segmenttotango.bench.Bench smoke

target/bench.classpath: pom.xml $(shell find src -type f)
	$(MVN) test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test

clean:
	$(MVN) clean
