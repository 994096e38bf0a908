#!/bin/sh
# Start a PulseAudio virtual microphone, for machines (CI) with no sound card.
#
#   scripts/virtual_mic.sh          start PulseAudio + the virtual mic "vmic"
#   scripts/virtual_mic.sh stop     stop this PulseAudio again
#
# Audio played into the null sink "vmic_sink" comes out of the source "vmic",
# which is made the default input; PortAudio reaches it through ALSA's pulse
# plugin (Debian: libasound2-plugins). Play an answer with:
#   paplay --device=vmic_sink answer.wav
# Needs (Debian/Ubuntu): pulseaudio pulseaudio-utils libasound2-plugins libportaudio2
# Works as root (no --system). Set PULSE_RUNTIME_PATH to a fresh directory to run
# a private PulseAudio beside a desktop's own (the tests do); a PortAudio process
# started before this script must re-initialise to see the new default device.
set -eu

if [ "${1:-start}" = "stop" ]; then
    pulseaudio --kill 2>/dev/null || true
    exit 0
fi

if ! command -v pulseaudio >/dev/null 2>&1; then
    echo "virtual_mic: needs PulseAudio: sudo apt-get install pulseaudio pulseaudio-utils libasound2-plugins" >&2
    exit 1
fi

if ! pactl info >/dev/null 2>&1; then
    # As root, PulseAudio refuses --start unless it is told this is fine; it
    # still runs as a per-user daemon (not --system). No sound card is needed.
    log="${TMPDIR:-/tmp}/debrief-virtual-mic.$$.log"
    pulseaudio --daemonize=yes --system=false --exit-idle-time=-1 --disallow-exit \
        -n --load="module-native-protocol-unix" --load="module-always-sink" \
        --log-target=stderr --log-level=error 2>"$log" || true
    i=0
    until pactl info >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -gt 50 ]; then
            echo "virtual_mic: PulseAudio did not start:" >&2
            cat "$log" >&2
            exit 1
        fi
        sleep 0.1
    done
    rm -f "$log"
fi

if ! pactl list short sinks | grep -q "vmic_sink"; then
    pactl load-module module-null-sink sink_name=vmic_sink rate=16000 channels=1 \
        sink_properties=device.description=Virtual_mic_sink >/dev/null
fi
if ! pactl list short sources | grep -q "[[:space:]]vmic[[:space:]]"; then
    pactl load-module module-remap-source master=vmic_sink.monitor source_name=vmic \
        source_properties=device.description=Virtual_mic >/dev/null
fi
pactl set-default-source vmic
pactl set-default-sink vmic_sink
echo "virtual mic ready: play into it with  paplay --device=vmic_sink FILE.wav" >&2
