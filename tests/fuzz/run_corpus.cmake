# ctest helper: run a fuzz target once over every file of its corpus.
#   cmake -DFUZZER=path/to/fuzz_x -DCORPUS=tests/fuzz/corpus/x -P run_corpus.cmake
#
# Given files (not a directory) libFuzzer just executes each one and
# exits, non-zero on the first crash, leak or failed check; it never
# writes new inputs next to them.  The corpus is globbed here, at test
# time, so inputs added later need no re-configure.

file(GLOB inputs LIST_DIRECTORIES false "${CORPUS}/*")
list(LENGTH inputs n)
if(n EQUAL 0)
  message(FATAL_ERROR "no inputs in ${CORPUS}")
endif()
execute_process(COMMAND ${FUZZER} -timeout=10 -rss_limit_mb=2048 ${inputs}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${FUZZER} failed (${rc}) on the corpus in ${CORPUS}")
endif()
message(STATUS "${n} inputs from ${CORPUS}: ok")
