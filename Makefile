# Day-to-day shortcuts; the scripts are the source of truth.
.PHONY: build test test-quick bench demo asan tsan debug format tidy clean

build:
	cmake --preset release >/dev/null && cmake --build --preset release

test:
	./scripts/test.sh

test-quick: build
	ctest --preset release

bench:
	./scripts/bench.sh

demo:
	./scripts/demo.sh

debug asan tsan:
	cmake --preset $@ >/dev/null && cmake --build --preset $@ && ctest --preset $@

format:
	git ls-files '*.h' '*.cc' | xargs clang-format -i

tidy: build
	git ls-files 'hean/*.cc' 'apps/*.cc' | xargs clang-tidy -p build/release --quiet

clean:
	rm -rf build
