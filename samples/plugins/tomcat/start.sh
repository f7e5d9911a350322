#!/bin/sh
# Start the Tomcat server (rendered by the engine: ${container.home} is the tomcat.Server's home).
set -e
"${container.home}/bin/startup.sh"
