#!/bin/sh
# Stop the Tomcat server; a server that is not running is fine.
"${container.home}/bin/shutdown.sh" || true
