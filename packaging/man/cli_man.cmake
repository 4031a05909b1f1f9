# Writes the eigenscope-cli man page: the hand-written template with its @CLI_VERBS@ line replaced
# by the VERBS section the CLI prints from its verb table (eigenscope-cli --man).
# cmake -DCLI=path/to/eigenscope-cli -DTEMPLATE=eigenscope-cli.1.in -DOUT=eigenscope-cli.1 -P cli_man.cmake
execute_process(COMMAND ${CLI} --man OUTPUT_VARIABLE verbs RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT verbs MATCHES "^\\.SH VERBS\n")
  message(FATAL_ERROR "${CLI} --man failed (${rc})")
endif()
file(READ ${TEMPLATE} page)
string(FIND "${page}" "@CLI_VERBS@\n" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${TEMPLATE} has no @CLI_VERBS@ line")
endif()
string(REPLACE "@CLI_VERBS@\n" "${verbs}" page "${page}")
file(WRITE ${OUT}.tmp "${page}")
file(RENAME ${OUT}.tmp ${OUT})
