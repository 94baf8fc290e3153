# Kiln: `make deps` once on a fresh Debian 12 machine, then `make demo` or `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian packages the product and its tests use (installed idempotently by `make deps`).
DEB_PACKAGES := bubblewrap mmdebstrap debian-archive-keyring uidmap awscli ca-certificates e2fsprogs qemu-utils skopeo libcap2-bin syslinux syslinux-common dosfstools mtools fdisk qemu-system-x86 docker-registry

TESTS ?= $(shell find src test -name '*.test.ts' -not -path '*/fixtures/*' | sort)

.PHONY: help deps deps-apt deps-npm build lint typecheck test demo clean

help:
	@echo "make demo   install what is missing, start a server, apply examples/nginx-golden and build its pipeline"
	@echo "make test   install what is missing, lint, type check and run every test"
	@echo "make deps   only install Debian packages and npm dependencies (idempotent)"

deps: deps-apt deps-npm

deps-apt:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	else echo "Debian packages: all present"; fi

deps-npm: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: deps-npm
	npx tsc -p tsconfig.json

typecheck: deps-npm
	npx tsc -p tsconfig.json --noEmit

lint: deps-npm
	npx biome check src test bench bin

test: deps lint build
	node --import tsx --test --test-concurrency=2 --test-reporter=spec $(TESTS)

demo: deps build
	bash examples/demo.sh

clean:
	rm -rf dist .kiln
