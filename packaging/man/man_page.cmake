# Writes a man page: the hand-written TEMPLATE with its line @MARKER@ replaced by the section the
# program prints from its own tables (the CLI's verbs, the views' settings), which must begin
# with ".SH SECTION". The program needs no display.
# cmake -DPROGRAM=path "-DARGS=--list-options --man" -DMARKER=VIEW_SETTINGS
#       "-DSECTION=VIEW SETTINGS" -DTEMPLATE=page.1.in -DOUT=page.1 -P man_page.cmake
separate_arguments(args UNIX_COMMAND "${ARGS}")
execute_process(COMMAND ${PROGRAM} ${args} OUTPUT_VARIABLE generated RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT generated MATCHES "^\\.SH ${SECTION}\n")
  message(FATAL_ERROR "${PROGRAM} ${ARGS} failed (${rc})")
endif()
file(READ ${TEMPLATE} page)
string(FIND "${page}" "@${MARKER}@\n" at)
if(at EQUAL -1)
  message(FATAL_ERROR "${TEMPLATE} has no @${MARKER}@ line")
endif()
string(REPLACE "@${MARKER}@\n" "${generated}" page "${page}")
file(WRITE ${OUT}.tmp "${page}")
file(RENAME ${OUT}.tmp ${OUT})
