# Sourced by bench/run.sh and bench/lean.sh (with ROOT and WORK set, from ROOT): free loopback
# ports, the self-signed P-256 certificate, fill() for bench/peers/*.template, and the Mosquitto
# and Safehouse configurations (with the Mosquitto user) under $WORK.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
MQTT_PORT=$(free_port)
XMPP_PORT=$(free_port)
XMPP_TLS_PORT=$(free_port)
EJB_TLS_PORT=$(free_port)
mkdir -p "$WORK"

if [[ ! -f "$WORK/cert.pem" ]]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
    -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2> /dev/null
fi
fill() {
  sed -e "s#@WORK@#$WORK#g" -e "s#@PORT@#$MQTT_PORT#g" -e "s#@C2S_PORT@#$XMPP_PORT#g" \
    -e "s#@TLS_PORT@#$XMPP_TLS_PORT#g" -e "s#@EJB_TLS_PORT@#$EJB_TLS_PORT#g" "$1" > "$2"
}
fill bench/peers/mosquitto.conf.template "$WORK/mosquitto.conf"
fill bench/peers/safehouse.conf.template "$WORK/safehouse.conf"
rm -f "$WORK/mosquitto.passwd"
touch "$WORK/mosquitto.passwd"
mosquitto_passwd -b "$WORK/mosquitto.passwd" bench bench-pass
