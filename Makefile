# segment-totango: the two commands a user needs are `make run` and `make test`.
MVN ?= mvn -B -q
JAR := target/segment-totango.jar

.PHONY: run test package clean

## Builds the bundle and runs it in the foreground (settings: config/application.properties, routes: routes/).
run: package
	java -jar $(JAR)

## Runs every test: mapping unit tests and the end-to-end tests through the real routes.
test:
	mvn -B -ntp test

## Builds target/segment-totango.jar (run it from this folder: it reads config/ and routes/ from here).
package: $(JAR)

$(JAR): pom.xml $(shell find src/main -type f)
	$(MVN) -DskipTests package

clean:
	$(MVN) clean
