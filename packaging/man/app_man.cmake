# Writes the eigenscope man page: the hand-written template with its @VIEW_SETTINGS@ line replaced
# by the VIEW SETTINGS section the app prints from the views' declarations
# (eigenscope --list-options --man; it needs no display).
# cmake -DAPP=path/to/eigenscope -DTEMPLATE=eigenscope.1.in -DOUT=eigenscope.1 -P app_man.cmake
execute_process(COMMAND ${APP} --list-options --man OUTPUT_VARIABLE settings RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT settings MATCHES "^\\.SH VIEW SETTINGS\n")
  message(FATAL_ERROR "${APP} --list-options --man failed (${rc})")
endif()
file(READ ${TEMPLATE} page)
string(FIND "${page}" "@VIEW_SETTINGS@\n" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${TEMPLATE} has no @VIEW_SETTINGS@ line")
endif()
string(REPLACE "@VIEW_SETTINGS@\n" "${settings}" page "${page}")
file(WRITE ${OUT}.tmp "${page}")
file(RENAME ${OUT}.tmp ${OUT})
