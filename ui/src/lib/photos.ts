import type { PhotoPick, PhotoRole, StagedPhoto } from '../generated'

/** A photo chosen on a form: being ingested, ready, or refused. */
export interface PickedPhoto {
  key: string
  name: string
  status: 'staging' | 'ready' | 'error'
  staged?: StagedPhoto
  error?: string
  /** A local object URL for an instant preview while ingest runs. */
  preview?: string
}

export function readyPicks(list: PickedPhoto[], role: PhotoRole): PhotoPick[] {
  return list.filter((p) => p.status === 'ready' && p.staged).map((p) => ({ hash: p.staged!.hash, role }))
}

export function anyStaging(...lists: PickedPhoto[][]): boolean {
  return lists.some((l) => l.some((p) => p.status === 'staging'))
}

export async function fileBytes(file: Blob): Promise<Uint8Array> {
  if (typeof file.arrayBuffer === 'function') return new Uint8Array(await file.arrayBuffer())
  return new Promise((resolve, reject) => {
    const r = new FileReader()
    r.onload = () => resolve(new Uint8Array(r.result as ArrayBuffer))
    r.onerror = () => reject(r.error)
    r.readAsArrayBuffer(file)
  })
}
