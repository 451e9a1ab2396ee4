/*
 * recording.h - each call recorded as the gateway sent and received it:
 * a stereo WAV (caller left, agent right) and a mixed mono WAV, 8 kHz
 * 16-bit PCM decoded from the call's mu-law, in recording.dir.
 *
 * The agent's side is what the caller heard: frames go in at the time
 * the caller hears them (the pacer's playout model), and a pause or clear
 * takes back the frames not yet heard (a resumed pause sends them again,
 * at their new time).  The caller's side is placed by frame number.  Both
 * wait in a short per-call window of 20 ms slots before they are decoded
 * and written, so a cut can still reach them; nothing else of the call is
 * held in memory.
 *
 * Files are written by one writer thread in chunks of half a second, so
 * the media threads never wait for the disk.  While a call runs its files
 * are open/<run>/SID.part.wav and SID.mixed.part.wav, their WAV headers
 * brought up to date after every chunk (a crash leaves playable files);
 * closed, they are renamed to SID.wav and SID.mixed.wav and crm-tools is
 * told (call_recording).  A gateway that starts finds what its previous
 * run left open, repairs the headers, renames and reports them.
 */
#ifndef GW_RECORDING_H
#define GW_RECORDING_H

#include <stddef.h>
#include <stdint.h>

#define REC_RATE 8000
#define REC_FRAME 160 /* samples per 20 ms slot */
#define REC_SLOT_US 20000
#define REC_WAV_HDR 44

struct rec;

/* A closed recording (path: the stereo WAV), told to whoever keeps the
 * call record; runs on a thread of its own and may block.  0 when done
 * with it, -1 to report it again at the next start. */
typedef int (*rec_report_fn)(
    const char *call_id, const char *path, double duration_s, long long bytes);

/* Open (creating) dir, start the writer and recover what a crashed run of
 * this gateway instance left open.  0, or -1 with err filled. */
int rec_start(const char *dir, const char *instance, rec_report_fn report,
    char *err, size_t errlen);
/* Write what is queued (up to 5 s), then stop the writer. */
void rec_stop(void);
/* Whether rec_start has run (calls opened before it are not recorded). */
int rec_started(void);
/* The final path of a call's recording (mixed: the mono track): 0, or -1
 * for a call id that is not one (no path is made from it). */
int rec_path(const char *call_id, int mixed, char *buf, size_t len);

/* A call starts (t0_us: its clock origin, fd_mono_us()); NULL when
 * recording is off (rec_start not run) or out of memory. */
struct rec *rec_open(const char *call_id, uint64_t t0_us);
/* Caller audio: frame number frame_no (from 1, one per 160 bytes). */
void rec_caller(struct rec *r, uint64_t frame_no, const uint8_t *ulaw,
    size_t len, uint64_t now_us);
/* One 160-byte frame of ours that the caller hears from play_us. */
void rec_agent(
    struct rec *r, uint64_t play_us, const uint8_t *ulaw, uint64_t now_us);
/* The caller stops hearing us at now_us (pause, clear): agent frames not
 * yet finished playing by then are taken back. */
void rec_cut(struct rec *r, uint64_t now_us);
/* The call ended at end_us: write the rest, close and report.  Frees r. */
void rec_close(struct rec *r, uint64_t end_us);

/* A WAV header for data_bytes of 8 kHz 16-bit PCM in `channels`. */
void rec_wav_header(uint8_t h[REC_WAV_HDR], int channels, uint32_t data_bytes);

#endif
