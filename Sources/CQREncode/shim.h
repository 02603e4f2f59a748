// Debian's libqrencode (package libqrencode-dev): the QR symbols of printed certificates.
#include <qrencode.h>
