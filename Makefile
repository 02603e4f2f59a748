# The two commands of the README's quick start, and a few helpers.
.PHONY: demo test format bench netbench

demo:
	scripts/demo.sh

test:
	scripts/test.sh

format:
	scripts/format.sh

bench:
	scripts/bench.sh

netbench:
	scripts/netbench.sh
