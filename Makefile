# Two commands for a fresh Debian/Ubuntu machine: `make run` and `make test`.
APT_PACKAGES := libncurses-dev libopenblas-dev libpng-dev libsqlite3-dev libturbojpeg0-dev zlib1g-dev dataset-fashion-mnist tmux
SWIFT ?= swift

.PHONY: deps build run test lint format bench bench-compare fuzz soak clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "ranet: installing missing system packages:$$missing"; \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing || { \
				echo "ranet: apt-get failed; install these packages yourself:$$missing" >&2; exit 1; }; \
		else \
			echo "ranet: cannot install packages (need root and apt-get). Please run:" >&2; \
			echo "  sudo apt-get install$$missing" >&2; exit 1; \
		fi; \
	fi

build: deps
	$(SWIFT) build -c release

run: build
	@if [ -x .build/release/ranet-tui ]; then .build/release/ranet-tui $(ARGS); else .build/release/ranet --help; fi

test: deps lint
	$(SWIFT) test

# Formatting is checked, not fixed, by `make test`; `make format` rewrites the files (config: .swift-format).
FORMATTED := Package.swift Sources Tests
lint:
	$(SWIFT) format lint --strict --recursive $(FORMATTED)

format:
	$(SWIFT) format format --in-place --recursive $(FORMATTED)

BENCH_PRESETS ?= fmnist-small cifar10-paper
BENCH_THREADS ?= 1 2
BENCH_ENV := env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE

bench: deps
	$(SWIFT) build -c release
	$(BENCH_ENV) .build/release/ranet-bench $(ARGS)
	@for preset in $(BENCH_PRESETS); do for threads in $(BENCH_THREADS); do \
		$(BENCH_ENV) .build/release/ranet bench --preset $$preset --mode train --threads $$threads --profile || exit 1; \
		$(BENCH_ENV) .build/release/ranet bench --preset $$preset --mode eval --threads $$threads || exit 1; \
		$(BENCH_ENV) .build/release/ranet bench --preset $$preset --mode latency --threads $$threads || exit 1; \
	done; done

# The same measurements beside the lean PyTorch models of python/bench and ONNX Runtime on them, ratios and goals in
# one table (needs `pip install torch onnx onnxruntime`; ARGS="--presets ... --threads ..." narrows it).
bench-compare: deps
	$(SWIFT) build -c release
	python3 python/bench/compare.py $(ARGS)

# libFuzzer targets for every decoder of untrusted bytes (docs/robustness.md); FUZZ_SECONDS per target, default 60.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) SWIFT=$(SWIFT) sh Fuzz/fuzz.sh

# Kill loop: a small run SIGKILLed at SOAK_KILLS random moments and resumed must end bit-identical to one left alone.
SOAK_KILLS ?= 20
soak: deps
	$(SWIFT) build -c release --product ranet
	SOAK_KILLS=$(SOAK_KILLS) python3 scripts/soak.py

clean:
	rm -rf .build
